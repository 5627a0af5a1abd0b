"""Admin strings that Django 5.2's own zh_Hans catalog leaves untranslated.

Never imported: gettext_noop only marks the strings, so that makemessages puts
them in our catalog (locale/), which takes precedence over Django's.
"""

from django.utils.translation import gettext_noop

ADMIN_STRINGS = [
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
]
