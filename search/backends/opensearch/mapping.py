"""From haystack's fields to an OpenSearch index, and from prepared data to its documents.

Each analysed text field is three OpenSearch fields, fed by the project's own analyser
(search/backends/analysis.py), so that OpenSearch sees the very words and grams tantivy sees:

- ``<field>``: the text as printed, kept in ``_source`` and not indexed;
- ``<field>__w``: the analyser's words joined by spaces, split again by a whitespace
  analyser: BM25 over words ranks the hits;
- ``<field>__g``: the exact-match stream (characters, bigrams and markers), split by a
  whitespace analyser whose stop filter drops the line-break markers and keeps their
  positions, so phrases and proximity follow the same positions on both engines.

Neither derived field is kept in ``_source``. Normalisation (NFKC, case, OpenCC) happens in
the analyser, in Python, before OpenSearch sees a token: the engines cannot disagree on it.
"""

import datetime
import json

from django.utils.encoding import force_str
from haystack.constants import DJANGO_CT, DJANGO_ID, ID

from .. import fields
from ..analysis import GRAM_STOP_WORDS
from ..fields import (
    BOOLEAN,
    DATE,
    FLOAT,
    INTEGER,
    KEYWORD,
    META_CT,
    META_ID,
    STATE_FIELD,
    STORED,
    TEXT,
)

# Bump when the mapping or the analysis streams change, so that old indexes are rebuilt.
SCHEMA_VERSION = 2
WORDS_ANALYZER = "na_words"
GRAMS_ANALYZER = "na_grams"

_TYPES = {
    KEYWORD: {"type": "keyword"},
    DATE: {"type": "date"},
    INTEGER: {"type": "long"},
    FLOAT: {"type": "double"},
    BOOLEAN: {"type": "boolean"},
    STORED: {"type": "keyword", "index": False, "doc_values": False},
}


def fingerprint(specs):
    """Changes when the mapping changes: an index built for other fields is not reused."""
    return fields.fingerprint(specs, f"opensearch-{SCHEMA_VERSION}")


def index_body(specs, shards=1, replicas=0):
    """The settings and mappings of a new generation.

    ``refresh_interval`` is off: a writer's ``commit`` refreshes, so readers see whole
    batches, each with its checkpoint, as tantivy's readers see whole commits.
    """
    properties = {}
    for spec in specs.values():
        if spec.kind == TEXT:
            properties[spec.name] = {"type": "text", "index": False}
            properties[spec.words] = {"type": "text", "analyzer": WORDS_ANALYZER}
            properties[spec.grams] = {
                "type": "text",
                "analyzer": GRAMS_ANALYZER,
                "index_options": "positions",
            }
        else:
            properties[spec.name] = dict(_TYPES[spec.kind])
    properties[STATE_FIELD] = {"type": "object", "enabled": False}
    return {
        "settings": {
            "index": {
                "number_of_shards": shards,
                "number_of_replicas": replicas,
                "refresh_interval": "-1",
            },
            "analysis": {
                "filter": {
                    "na_breaks": {"type": "stop", "stopwords": list(GRAM_STOP_WORDS)},
                },
                "analyzer": {
                    WORDS_ANALYZER: {"type": "custom", "tokenizer": "whitespace"},
                    GRAMS_ANALYZER: {
                        "type": "custom",
                        "tokenizer": "whitespace",
                        "filter": ["na_breaks"],
                    },
                },
            },
        },
        "mappings": {
            "dynamic": "strict",
            "_source": {"excludes": [f"*{fields.WORDS_SUFFIX}", f"*{fields.GRAMS_SUFFIX}"]},
            "_meta": {"fingerprint": fingerprint(specs)},
            "properties": properties,
        },
    }


class DocumentBuilder:
    """Turns analysed documents (search.backends.common.analysed) into OpenSearch documents."""

    def __init__(self, specs):
        self.specs = specs

    def build(self, analysed):
        values, streams = analysed
        document = {}
        for name, items in values.items():
            spec = self.specs[name]
            converted = items if spec.kind == TEXT else [to_json(spec, item) for item in items]
            document[name] = converted if spec.multivalued else converted[0]
        document.update(streams)
        return document


def to_json(spec, value):
    if spec.kind == DATE:
        return fields.to_datetime(value).isoformat()
    if spec.kind == INTEGER:
        return int(value)
    if spec.kind == FLOAT:
        return float(value)
    if spec.kind == BOOLEAN:
        return bool(value)
    return force_str(value)


def from_json(spec, value):
    """A value of ``_source`` as haystack's SearchResult should hold it."""
    if spec.kind == DATE and isinstance(value, str):
        moment = datetime.datetime.fromisoformat(value)
        if spec.haystack_type == "date":
            return moment.date()
        return moment.replace(tzinfo=datetime.UTC)
    return value


def state_document(state):
    return {
        ID: META_ID,
        DJANGO_CT: META_CT,
        DJANGO_ID: "0",
        STATE_FIELD: {"json": json.dumps(state, sort_keys=True)},
    }
