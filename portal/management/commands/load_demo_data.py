from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from certification.demo import EXPERTS, load_demo_certification
from certification.reference import ensure_default_policy
from evaluation.demo import load_demo_assessment
from tasks_registry.county_demo import load_demo_county_mechanisms
from tasks_registry.demo import load_demo_tasks
from tasks_registry.loading import load_tasks
from towns.demo import DEMO_ACCOUNTS, load_demo_data


class Command(BaseCommand):
    help = "Create demo accounts and invented demo figures for development (idempotent; refused in production)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data is for development only (DEBUG=0 is production mode).")
        with transaction.atomic():
            result = load_demo_data()  # the registry's reference data, demo accounts and figures
            ensure_default_policy()
            load_tasks(timezone.localdate().year)
        load_demo_certification(result["password"])
        load_demo_tasks()
        load_demo_county_mechanisms()
        load_demo_assessment()  # last year's evaluation and assessment, published
        self.stdout.write("Demo accounts (password: %s):" % result["password"])
        for username, full_name, *_ in [*DEMO_ACCOUNTS, *EXPERTS]:
            self.stdout.write(f"  {username:10s} {full_name}")
        for username, key in result["tokens"].items():
            self.stdout.write(f"API token of {username}: {key}")
