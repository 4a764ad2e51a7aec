from django.apps import AppConfig


class TasksRegistryConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tasks_registry"
    verbose_name = "重点任务"
