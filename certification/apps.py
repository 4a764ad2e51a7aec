from django.apps import AppConfig


class CertificationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "certification"
    verbose_name = "专业镇认定"
