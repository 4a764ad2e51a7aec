"""`celery` with the project's settings plus CELERY_DB_REUSE_MAX — the experiment behind the proposed fix.

    BENCH_DB_REUSE_MAX=1000 python bench/reuse_worker.py -A yuncheng_towns worker ...

Celery's Django fix-up closes the database connection before and after every task unless
CELERY_DB_REUSE_MAX is set, so each evaluate_town opens a new PostgreSQL connection. This launcher sets it
on the settings module before Django and Celery read it, without touching the project's code; used by
``bench/evaluation.py --reuse-experiment``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from yuncheng_towns import settings  # noqa: E402  (the module Django will load by name)

settings.CELERY_DB_REUSE_MAX = int(os.environ.get("BENCH_DB_REUSE_MAX", "1000"))

from celery.__main__ import main  # noqa: E402

if __name__ == "__main__":
    sys.argv = ["celery", *sys.argv[1:]]
    sys.exit(main())
