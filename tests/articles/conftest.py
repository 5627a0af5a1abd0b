import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Reader pages are cached by change-log id, which can repeat after a test's rollback."""
    cache.clear()
    yield
    cache.clear()
