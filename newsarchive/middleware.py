"""Site-wide HTTP concerns that belong to no app: the client's address, and compression.

- `client_ip`: the address of the client, which rate limits and the admin's lockout count by.
  Behind a proxy, settings.TRUSTED_PROXIES says how many proxies append to X-Forwarded-For;
  without it the header is ignored, since any client can send one.
- `PublicGZipMiddleware`: compresses dynamic responses (search pages, the API, keyword in
  context, exports), except those that carry a secret an attacker could guess a byte at a time
  through the compressed length (BREACH): a CSRF token or anything read from the session.
"""

from django.conf import settings
from django.middleware.gzip import GZipMiddleware
from django.utils.cache import has_vary_header


def client_ip(request):
    """The client's IP address: the connection's, or the one the trusted proxies saw."""
    proxies = getattr(settings, "TRUSTED_PROXIES", 0)
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def client_ip_key(group, request):
    """The key django-ratelimit counts by."""
    return client_ip(request)


def carries_a_secret(request, response):
    """Whether the response holds a CSRF token or session-dependent content (never compress)."""
    return bool(
        request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        or request.META.get("CSRF_COOKIE_USED")
        or response.cookies
        or has_vary_header(response, "Cookie")
        or getattr(getattr(request, "session", None), "accessed", False)
    )


class PublicGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if carries_a_secret(request, response):
            return response
        return super().process_response(request, response)
