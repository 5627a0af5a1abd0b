"""django-haystack backend for tantivy: ENGINE = "search.backends.tantivy.TantivyEngine"."""

from haystack.backends import BaseEngine

from .backend import IndexSchemaMismatch, TantivySearchBackend
from .query import TantivySearchQuery, UnsupportedLookup
from .store import IndexLocked

__all__ = [
    "IndexLocked",
    "IndexSchemaMismatch",
    "TantivyEngine",
    "TantivySearchBackend",
    "UnsupportedLookup",
]


class TantivyEngine(BaseEngine):
    backend = TantivySearchBackend
    query = TantivySearchQuery
