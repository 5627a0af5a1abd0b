"""Whole-page caching, keyed by the version of the data a page is computed from.

A view decorated with `cache_page_by(version)` is cached under ``version()``: reader pages
under the newest change-log id (every save, import and delete writes one, in its own
transaction), search pages under the state of the search index. One cheap lookup per request
tells every gunicorn worker that its cached pages are stale, so an editor's save shows at once
everywhere, without a shared cache.

The version is read before the view runs (to find a cached copy) and again after it: a page is
stored only when the two agree, so a page computed while the data moved is never kept under a
version it does not show. A version of None means "do not cache".

Cached pages hold nothing personal (no CSRF token, no user name) and no absolute URL taken from
the request's Host header, so one copy serves everyone. They are kept compressed: HTML shrinks
five- to tenfold, so each worker's cache stays small.
"""

import hashlib
import zlib
from functools import wraps

from django.core.cache import cache
from django.http import HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control

from . import changes

PAGE_TTL = 60 * 60


def content_version():
    """The version of everything reader pages show: the newest change-log id."""
    return str(changes.latest_id())


def cache_page_by(version):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return view(request, *args, **kwargs)
            before = version()
            path = request.get_full_path().encode()
            digest = hashlib.sha1(path, usedforsecurity=False).hexdigest()
            # The interface's language is chosen per request (Accept-Language): one copy each.
            language = translation.get_language()
            key = f"page:{before}:{language}:{digest}" if before is not None else None
            cached = cache.get(key) if key else None
            if cached is not None:
                compressed, content_type = cached
                response = HttpResponse(zlib.decompress(compressed), content_type=content_type)
            else:
                response = view(request, *args, **kwargs)
                if key and response.status_code == 200 and not response.streaming:
                    if hasattr(response, "render"):
                        response.render()
                    if version() == before:
                        compressed = zlib.compress(response.content, 1)
                        cache.set(key, (compressed, response["Content-Type"]), PAGE_TTL)
            patch_cache_control(response, no_cache=True)
            return response

        return wrapper

    return decorator


cache_page_by_content_version = cache_page_by(content_version)
