"""Back up the database (every app's rows, as JSON) and the uploaded files into one .tar.gz."""

from __future__ import annotations

import io
import tarfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

# Rows Django rebuilds itself (content types, permissions) or that are transient (sessions, login attempts).
EXCLUDE = ["contenttypes", "auth.permission", "sessions", "admin.logentry", "axes", "django_celery_beat.periodictasks"]


class Command(BaseCommand):
    help = "Write a backup archive: data.json (dumpdata of every app) and media/ (uploaded files)."

    def add_arguments(self, parser):
        parser.add_argument("--output", default=f"backup-{time.strftime('%Y%m%d-%H%M%S')}.tar.gz")

    def handle(self, *args, output, **options):
        data = io.StringIO()
        call_command("dumpdata", "--natural-foreign", *[f"--exclude={e}" for e in EXCLUDE], stdout=data)
        payload = data.getvalue().encode()
        media = Path(settings.MEDIA_ROOT)
        files = 0
        with tarfile.open(output, "w:gz") as archive:
            info = tarfile.TarInfo("data.json")
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
            if media.is_dir():
                for path in sorted(media.rglob("*")):
                    if path.is_file():
                        archive.add(path, arcname=f"media/{path.relative_to(media)}")
                        files += 1
        self.stdout.write(f"Backup written to {output}: {len(payload):,} bytes of data, {files} files.")
