"""Celery application: JSON only, configured from Django settings (CELERY_ namespace)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yuncheng_towns.settings")

app = Celery("yuncheng_towns")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
