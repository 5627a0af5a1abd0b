"""Load the seed articles (fixtures/seed.json) into an empty archive; never over an existing one."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from articles.models import Article, Author, Publication

SEED_FIXTURE = settings.BASE_DIR / "fixtures" / "seed.json"


class Command(BaseCommand):
    help = "Loads the two seed articles when the archive is empty."

    def handle(self, **options):
        # The fixture carries primary keys: loading it next to an editor's
        # publication or author would overwrite theirs, so any row stops it.
        if any(model.objects.exists() for model in (Article, Author, Publication)):
            self.stdout.write(_("The archive is not empty; the seed was not loaded."))
            return
        call_command("loaddata", SEED_FIXTURE, verbosity=options["verbosity"])
