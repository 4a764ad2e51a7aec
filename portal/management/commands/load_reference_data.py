from django.core.management.base import BaseCommand
from django.utils import timezone

from certification.reference import ensure_default_policy
from tasks_registry.loading import load_tasks
from towns.reference import load_reference_data


class Command(BaseCommand):
    help = (
        "Load counties, bureaus, the leading-group office, the first-batch towns, named enterprises, the default "
        "certification policy and the 12 tasks with this year's measures (idempotent)."
    )

    def handle(self, *args, **options):
        created = load_reference_data()
        ensure_default_policy()
        tasks = load_tasks(timezone.localdate().year)
        self.stdout.write(
            "Reference data: created {counties} counties, {bureaus} bureaus, {towns} towns, "
            "{enterprises} enterprises, {tasks} tasks, {units} task units, {measures} measures "
            "(0 everywhere means it was already loaded).".format(**created, **tasks)
        )
