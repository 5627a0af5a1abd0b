"""Errors every backend of this project raises the same way; the search pages catch them."""

from haystack.exceptions import SearchBackendError


class UnsupportedLookup(SearchBackendError):
    """A lookup the backend cannot answer on that field: never a query that means something
    else."""


class IndexSchemaMismatch(SearchBackendError):
    """The current generation was built for other fields: it must be rebuilt, never wiped."""
