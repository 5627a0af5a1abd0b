"""From haystack's SearchFields to a tantivy schema, and from prepared data to documents."""

import json

import tantivy
from django.utils.encoding import force_str
from haystack.constants import DJANGO_CT, DJANGO_ID, ID

from .. import fields
from ..analysis import GRAM_STOP_WORDS
from ..fields import (  # noqa: F401 (the kinds, as the rest of the backend names them)
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
    FieldSpec,
    field_specs,
    to_datetime,
)

GRAM_TOKENIZER = "na_whitespace"
WORDS_TOKENIZER = "na_words"
STORED_TOKENIZER = "na_stored"
# Bump when build_schema() maps the same fields differently, or the analysis streams change,
# so old indexes are rebuilt.
SCHEMA_VERSION = 5


def fingerprint(specs):
    """Changes when the schema changes, so an index built for another schema is not reused."""
    return fields.fingerprint(specs, SCHEMA_VERSION)


def tokenizers():
    """The analyzers the schema names, for ``Index.register_tokenizer``."""
    return {
        GRAM_TOKENIZER: gram_tokenizer(),
        # Words come joined by spaces (search/backends/analysis.py).
        WORDS_TOKENIZER: tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build(),
        # No token at all: the text as printed is only stored (tantivy stores no text field
        # without an analyzer); its words and grams are searched.
        STORED_TOKENIZER: tantivy.TextAnalyzerBuilder(
            tantivy.Tokenizer.regex(r"[^\x00-\x{10FFFF}]")
        ).build(),
    }


def gram_tokenizer():
    """The gram fields' tokenizer: whitespace-separated tokens, line-break markers dropped
    (they keep their positions; see analysis.gram_stream)."""
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace())
        .filter(tantivy.Filter.custom_stopword(list(GRAM_STOP_WORDS)))
        .build()
    )


def build_schema(specs):
    builder = tantivy.SchemaBuilder()
    for spec in specs.values():
        if spec.kind == TEXT:
            builder.add_text_field(spec.name, stored=spec.stored, tokenizer_name=STORED_TOKENIZER)
            # Words rank (with positions, for the boost of words close together); grams match.
            builder.add_text_field(spec.words, stored=False, tokenizer_name=WORDS_TOKENIZER)
            builder.add_text_field(spec.grams, stored=False, tokenizer_name=GRAM_TOKENIZER)
        elif spec.kind == KEYWORD:
            builder.add_text_field(spec.name, stored=spec.stored, tokenizer_name="raw", fast=True)
        elif spec.kind == DATE:
            builder.add_date_field(spec.name, stored=spec.stored, indexed=True, fast=True)
        elif spec.kind == INTEGER:
            builder.add_integer_field(spec.name, stored=spec.stored, indexed=True, fast=True)
        elif spec.kind == FLOAT:
            builder.add_float_field(spec.name, stored=spec.stored, indexed=True, fast=True)
        elif spec.kind == BOOLEAN:
            builder.add_boolean_field(spec.name, stored=spec.stored, indexed=True, fast=True)
        else:
            # Bytes: tantivy-py cannot store text without indexing it as well.
            builder.add_bytes_field(spec.name, stored=True, indexed=False)
    builder.add_bytes_field(STATE_FIELD, stored=True, indexed=False)
    return builder.build()


class DocumentBuilder:
    """Turns analysed documents (search.backends.common.analysed) into tantivy documents."""

    def __init__(self, specs):
        self.specs = specs

    def build(self, analysed):
        values, streams = analysed
        document = tantivy.Document()
        for name, items in values.items():
            method, convert = _ADDERS[self.specs[name].kind]
            add = getattr(document, method)
            for item in items:
                add(name, convert(item))
        for name, stream in streams.items():
            document.add_text(name, stream)
        return document


# How a value of each other kind goes into a tantivy document.
_ADDERS = {
    TEXT: ("add_text", str),  # as printed, stored; its words and grams are the streams
    KEYWORD: ("add_text", force_str),
    STORED: ("add_bytes", lambda value: force_str(value).encode()),
    DATE: ("add_date", to_datetime),
    INTEGER: ("add_integer", int),
    FLOAT: ("add_float", float),
    BOOLEAN: ("add_boolean", bool),
}


def state_document(state):
    """The document that carries the index's state (a JSON-serialisable dict)."""
    document = tantivy.Document()
    document.add_text(ID, META_ID)
    document.add_text(DJANGO_CT, META_CT)
    document.add_text(DJANGO_ID, "0")
    document.add_bytes(STATE_FIELD, json.dumps(state, sort_keys=True).encode())
    return document
