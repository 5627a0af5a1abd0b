"""/healthz answers before host checks and HTTPS redirects, for container health checks.

It answers 200 while the database answers, with the search index's lag (see search.health)
for operators and monitors, and 503 when the database does not.
"""

import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import JsonResponse

HEALTH_PATH = "/healthz"
log = logging.getLogger(__name__)


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path != HEALTH_PATH:
            return self.get_response(request)
        from search.health import index_report

        try:
            # "index" is the articles' index; "indexes" reports every index the log feeds.
            indexes = {name: index_report(name) for name in settings.SEARCH_INDEXES}
            body, status = {"status": "ok", "index": indexes["default"], "indexes": indexes}, 200
        except DatabaseError:
            log.exception("Health check: the database does not answer.")
            body, status = {"status": "error", "database": "unavailable"}, 503
        except Exception:
            log.exception("Health check: the search index cannot be read.")
            body, status = {"status": "ok", "index": {"status": "unavailable"}}, 200
        return JsonResponse(body, status=status, headers={"Cache-Control": "no-store"})
