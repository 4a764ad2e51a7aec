"""Restore a backup made by `manage.py backup` into an empty, migrated database."""

from __future__ import annotations

import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Load data.json into the (empty, migrated) database and put the files back under MEDIA_ROOT."

    def add_arguments(self, parser):
        parser.add_argument("archive")

    def handle(self, *args, archive, **options):
        if get_user_model().objects.exists():
            raise CommandError("The database is not empty: restore into a freshly migrated database.")
        media = Path(settings.MEDIA_ROOT)
        with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive, "r:gz") as backup:
            backup.extractall(tmp, filter="data")  # "data" refuses absolute paths, .. and links
            with transaction.atomic():
                call_command("loaddata", str(Path(tmp) / "data.json"), verbosity=0)
            restored = 0
            source = Path(tmp) / "media"
            if source.is_dir():
                for path in source.rglob("*"):
                    if path.is_file():
                        target = media / path.relative_to(source)
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(path.read_bytes())
                        restored += 1
        self.stdout.write(f"Restored from {archive}: database rows and {restored} files.")
