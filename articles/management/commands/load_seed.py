"""Load the seed articles (fixtures/seed.json) into an empty archive; never over an existing one."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from articles.models import Article

SEED_FIXTURE = settings.BASE_DIR / "fixtures" / "seed.json"


class Command(BaseCommand):
    help = "Loads the two seed articles when the archive is empty."

    def handle(self, **options):
        if Article.objects.exists():
            self.stdout.write(_("The archive already has articles; the seed was not loaded."))
            return
        call_command("loaddata", SEED_FIXTURE, verbosity=options["verbosity"])
