"""Whole-page caching for reader pages, invalidated by any change to any article.

The cache key includes the id of the newest row in the change log, which
every save, import and delete writes in its own transaction. One indexed
lookup per request tells every gunicorn worker that its cached pages are
stale, so an editor's save shows at once everywhere, without a shared cache.
Reader pages hold nothing personal (no CSRF token, no user name), so one
copy serves everyone. Pages are kept compressed: HTML shrinks five- to
tenfold, so each worker's cache stays small.
"""

import hashlib
import zlib
from functools import wraps

from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import patch_cache_control

from . import changes

PAGE_TTL = 60 * 60


def content_version():
    return changes.latest_id()


def cache_page_by_content_version(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        path = request.get_full_path().encode()
        key = f"page:{content_version()}:{hashlib.sha1(path, usedforsecurity=False).hexdigest()}"
        cached = cache.get(key)
        if cached is not None:
            compressed, content_type = cached
            response = HttpResponse(zlib.decompress(compressed), content_type=content_type)
        else:
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming:
                if hasattr(response, "render"):
                    response.render()
                compressed = zlib.compress(response.content, 1)
                cache.set(key, (compressed, response["Content-Type"]), PAGE_TTL)
        patch_cache_control(response, no_cache=True)
        return response

    return wrapper
