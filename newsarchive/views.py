"""The site's own error responses: server errors, the database away, a client asking too fast.

They render templates/error.html with no request context, so they work when the database (and
with it the session and the user) cannot be reached.
"""

import logging
import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

# Seconds a client is asked to wait before trying again while the database is away.
DATABASE_RETRY_AFTER = 10


def error_page(title, message, status, retry_after=None):
    body = loader.get_template("error.html").render({"title": title, "message": message})
    response = HttpResponse(body, status=status, content_type="text/html; charset=utf-8")
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """handler500: a 503 with Retry-After when the database is unreachable, else a 500."""
    exception = sys.exc_info()[1]
    if isinstance(exception, (OperationalError, InterfaceError)) or _database_down(exception):
        return error_page(
            _("The archive is briefly unavailable"),
            _("The database cannot be reached at the moment. Please try again in a few seconds."),
            503,
            retry_after=DATABASE_RETRY_AFTER,
        )
    return error_page(None, None, 500)


def _database_down(exception):
    return isinstance(exception, DatabaseError) and isinstance(
        exception.__cause__, (ConnectionError, OSError)
    )


def rate_limited(request, exception=None):
    """RATELIMIT_VIEW: 429, in Chinese, with the seconds to wait."""
    return error_page(
        _("Too many requests"),
        _(
            "You have sent more requests than the archive answers from one address in a "
            "minute. Please wait a minute and try again."
        ),
        429,
        retry_after=settings.RATE_LIMIT_RETRY_AFTER,
    )
