"""django-haystack backend for tantivy: ENGINE = "search.backends.tantivy.TantivyEngine"."""

from haystack.backends import BaseEngine

from .backend import IndexLocked, TantivySearchBackend, merged
from .query import TantivySearchQuery

__all__ = ["IndexLocked", "TantivyEngine", "TantivySearchBackend", "TantivySearchQuery", "merged"]


class TantivyEngine(BaseEngine):
    backend = TantivySearchBackend
    query = TantivySearchQuery
