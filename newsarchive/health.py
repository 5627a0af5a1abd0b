"""/healthz answers before host checks and HTTPS redirects, for container health checks."""

from django.http import HttpResponse

HEALTH_PATH = "/healthz"


class HealthCheckMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == HEALTH_PATH:
            return HttpResponse(
                "ok", content_type="text/plain", headers={"Cache-Control": "no-store"}
            )
        return self.get_response(request)
