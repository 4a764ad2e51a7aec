from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from certification.demo import EXPERTS, load_demo_certification
from tasks_registry.demo import load_demo_tasks
from towns.demo import DEMO_ACCOUNTS, load_demo_data


class Command(BaseCommand):
    help = "Create demo accounts and invented demo figures for development (idempotent; refused in production)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Demo data is for development only (DEBUG=0 is production mode).")
        result = load_demo_data()
        load_demo_certification(result["password"])
        load_demo_tasks()
        self.stdout.write("Demo accounts (password: %s):" % result["password"])
        for username, full_name, *_ in [*DEMO_ACCOUNTS, *EXPERTS]:
            self.stdout.write(f"  {username:10s} {full_name}")
        for username, key in result["tokens"].items():
            self.stdout.write(f"API token of {username}: {key}")
