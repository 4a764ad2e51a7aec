from django.apps import AppConfig


class CertificationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "certification"
    verbose_name = "专业镇认定"

    def ready(self):
        from django.db.models import Exists, OuterRef
        from django.utils import timezone

        from towns.selectors import TOWN_ANNOTATIONS

        from .models import Certificate

        def awaiting_reexamination():
            """A town whose certificate is past its validity without a decision shows 待复核 beside its tier."""
            lapsed = Certificate.objects.filter(Certificate.awaiting_q(timezone.localdate()), town=OuterRef("pk"))
            return Exists(lapsed)

        TOWN_ANNOTATIONS["awaiting_reexamination"] = awaiting_reexamination
