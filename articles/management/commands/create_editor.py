"""create_editor USERNAME: an account in the 编辑 group, with a password typed at the prompt."""

import getpass

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from articles.permissions import EDITOR_GROUP


class Command(BaseCommand):
    help = "Creates an editor account (staff, in the editors group). Asks for the password."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")

    @transaction.atomic
    def handle(self, username, email, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            raise CommandError(
                _("The user “%(username)s” already exists.") % {"username": username}
            )
        user = User(username=username, email=email, is_staff=True)
        password = self._ask_password(user)
        user.set_password(password)
        user.save()
        user.groups.add(Group.objects.get(name=EDITOR_GROUP))
        self.stdout.write(
            self.style.SUCCESS(_("Editor “%(username)s” created.") % {"username": username})
        )

    def _ask_password(self, user):
        for _attempt in range(3):
            password = getpass.getpass(_("Password: "))
            if password != getpass.getpass(_("Password (again): ")):
                self.stderr.write(_("The passwords do not match."))
                continue
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                self.stderr.write("\n".join(error.messages))
                continue
            return password
        raise CommandError(_("No password was set; nothing was created."))
