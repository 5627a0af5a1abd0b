"""django-haystack backend for OpenSearch.

ENGINE = "search.backends.opensearch.OpenSearchEngine" (see backend.py for the options).
"""

from haystack.backends import BaseEngine

from .backend import OpenSearchBackend
from .query import OpenSearchSearchQuery

__all__ = ["OpenSearchBackend", "OpenSearchEngine"]


class OpenSearchEngine(BaseEngine):
    backend = OpenSearchBackend
    query = OpenSearchSearchQuery
