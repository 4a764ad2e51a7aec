"""What the deployment tests share: the repository's deploy files and a clean environment for a subprocess."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")

_APP_VARIABLE = re.compile(
    r"^(DEBUG|SECRET_KEY|DATABASE_URL|ALLOWED_HOSTS|CSRF_TRUSTED_ORIGINS|REDIS_URL|MEDIA_ROOT|STATIC_ROOT|PORT"
    r"|LOG_LEVEL|DB_CONN_MAX_AGE|SESSION_COOKIE_AGE|WEB_CONCURRENCY|DJANGO_SETTINGS_MODULE|PYTHONPATH"
    r"|(CELERY|GUNICORN|IMPORT|SECURE|POSTGRES)_\w+)$"
)


def clean_env(**values: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not _APP_VARIABLE.match(key)}
    # The venv's scripts (celery, gunicorn) first, as in the image.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env.update({"DJANGO_SETTINGS_MODULE": "yuncheng_towns.settings", "PYTHONUNBUFFERED": "1"})
    env.update(values)
    return env


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in DOCKERFILE.splitlines() if not line.startswith("#")))
    result = []
    for line in joined.splitlines():
        if line.strip():
            instruction, _, arguments = line.strip().partition(" ")
            result.append((instruction.upper(), " ".join(arguments.split())))
    return result
