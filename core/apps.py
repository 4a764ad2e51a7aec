import logging

from django.apps import AppConfig
from django.conf import settings

logger = logging.getLogger("yuncheng_towns")


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "公共"

    def ready(self) -> None:
        from .api import schema  # noqa: F401 - registers the token scheme with drf-spectacular

        if settings.CELERY_TASK_ALWAYS_EAGER:
            logger.info("Celery: no broker configured (CELERY_BROKER_URL/REDIS_URL); tasks run in-process.")
