"""What every backend makes of haystack's SearchFields: one `FieldSpec` per field.

An engine maps each kind to its own field types (search/backends/tantivy/schema.py,
search/backends/opensearch/mapping.py); the kinds, and what a query may ask of each, are the
same on every engine.
"""

import calendar
import datetime
import hashlib
import json
from dataclasses import asdict, dataclass

from haystack.constants import DJANGO_CT, DJANGO_ID, ID

WORDS_SUFFIX = "__w"
GRAMS_SUFFIX = "__g"
# An index keeps its own state (the change-log checkpoint and more; see
# search/capabilities.py) in one document, kept apart from every model's by its django_ct.
STATE_FIELD = "_state"
META_CT = "_meta"
META_ID = "_meta.state"

# Analysed: kept as printed in <name>, its words in <name>__w rank, its grams in <name>__g match.
TEXT = "text"
KEYWORD = "keyword"  # one exact value (facets, identifiers)
DATE = "date"
INTEGER = "integer"
FLOAT = "float"
BOOLEAN = "boolean"
STORED = "stored"  # kept for display, not searchable

_FIELD_TYPES = {
    "date": DATE,
    "datetime": DATE,
    "integer": INTEGER,
    "float": FLOAT,
    "boolean": BOOLEAN,
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str
    multivalued: bool = False
    stored: bool = True
    boost: float = 1.0
    document: bool = False
    haystack_type: str = "string"

    @property
    def words(self):
        """The field of a text field's words (search/backends/analysis.py)."""
        return self.name + WORDS_SUFFIX

    @property
    def grams(self):
        """The field of a text field's exact-match grams."""
        return self.name + GRAMS_SUFFIX

    @property
    def sortable(self):
        return self.kind in (DATE, INTEGER, FLOAT, BOOLEAN, KEYWORD)


def field_specs(searchfields):
    """One FieldSpec per haystack field, plus haystack's three bookkeeping fields."""
    specs = {
        ID: FieldSpec(ID, KEYWORD),
        DJANGO_CT: FieldSpec(DJANGO_CT, KEYWORD),
        DJANGO_ID: FieldSpec(DJANGO_ID, KEYWORD),
    }
    for field in searchfields.values():
        if not field.indexed:
            kind = STORED
        elif getattr(field, "facet_for", None) is not None or _is_facet(field):
            kind = KEYWORD
        else:
            kind = _FIELD_TYPES.get(field.field_type, TEXT)
        specs[field.index_fieldname] = FieldSpec(
            name=field.index_fieldname,
            kind=kind,
            multivalued=field.is_multivalued,
            stored=field.stored,
            boost=float(field.boost or 1.0),
            document=field.document,
            haystack_type=field.field_type or "string",
        )
    return specs


def _is_facet(field):
    from haystack.fields import FacetField

    return isinstance(field, FacetField)


def fingerprint(specs, version):
    """Changes when the schema changes, so an index built for another schema is not reused."""
    data = json.dumps([version, [asdict(spec) for spec in specs.values()]], sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()[:16]


def to_datetime(value):
    """tantivy stores instants; a date is its midnight in UTC."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    return datetime.datetime.fromisoformat(str(value))


_FIXED_GAPS = {
    "day": datetime.timedelta(days=1),
    "hour": datetime.timedelta(hours=1),
    "minute": datetime.timedelta(minutes=1),
    "second": datetime.timedelta(seconds=1),
}


def _step(moment, gap_by, amount):
    if gap_by in _FIXED_GAPS:
        return moment + _FIXED_GAPS[gap_by] * amount
    months = amount * (12 if gap_by == "year" else 1)
    year, month = divmod(moment.month - 1 + months, 12)
    year += moment.year
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def date_buckets(options, convert):
    """(bucket start, from, to) for a haystack date facet, the bounds made by ``convert``."""
    start = to_datetime(options["start_date"])
    end = to_datetime(options["end_date"])
    gap_by, amount = options["gap_by"], int(options.get("gap_amount", 1))
    buckets = []
    while start < end and len(buckets) < 10_000:
        following = min(_step(start, gap_by, amount), end)
        buckets.append((start, convert(start), convert(following)))
        start = following
    return buckets
