from django.core.management.base import BaseCommand

from certification.reference import ensure_default_policy
from towns.reference import load_reference_data


class Command(BaseCommand):
    help = "Load counties, bureaus, the leading-group office, the first-batch towns and named enterprises (idempotent)."

    def handle(self, *args, **options):
        created = load_reference_data()
        ensure_default_policy()
        self.stdout.write(
            "Reference data: created {counties} counties, {bureaus} bureaus, {towns} towns, "
            "{enterprises} enterprises (0 everywhere means it was already loaded).".format(**created)
        )
