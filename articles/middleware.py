"""Editors' saves are searchable when the page reloads, or the admin says they are not yet."""

from django.contrib import messages
from django.utils.translation import gettext as _

from . import changes

ADMIN_PREFIX = "/admin/"


class WaitForSearchIndex:
    """After an admin request that changed indexed content, wait for the indexer to apply it.

    The triggers log every change in the request's transactions; once the view has returned
    (and committed), this waits at most changes.SAVE_WAIT seconds for every live indexer to
    have committed the newest change to its index (changes.record_visible). If one has not (or
    none is running), the save stands and the editor is told that search will find it a little
    later.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or not request.path.startswith(ADMIN_PREFIX):
            return self.get_response(request)
        before = changes.latest_id()
        response = self.get_response(request)
        after = changes.latest_id()
        if after > before and not changes.wait_until_applied(after):
            messages.warning(
                request,
                _(
                    "Search has not caught up with this change yet: it will be found by "
                    "searches in a moment."
                ),
            )
        return response
