"""Celery application: JSON only, configured from Django settings (CELERY_ namespace)."""

import os

from celery import Celery, signals
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yuncheng_towns.settings")

app = Celery("yuncheng_towns")
app.config_from_object("django.conf:settings", namespace="CELERY")

# Database connections in a worker follow the web process's rules: kept for CONN_MAX_AGE (DB_CONN_MAX_AGE, 60 s
# in production), health-checked before reuse (CONN_HEALTH_CHECKS: one restarted or cut by PostgreSQL is
# replaced, not failed on) and dropped after an error. Celery's Django fix-up would close them around every task
# instead — a new PostgreSQL connection per task, 40 % of an evaluation's time (bench/README.md); with
# CELERY_DB_REUSE_MAX (settings) it leaves them open and only closes them itself every that many tasks.


@signals.task_prerun.connect
@signals.task_postrun.connect
def close_old_db_connections(sender=None, **kwargs) -> None:
    """What Django does at the start and end of every request, at the start and end of every task."""
    if not getattr(getattr(sender, "request", None), "is_eager", False):
        close_old_connections()


app.autodiscover_tasks()
