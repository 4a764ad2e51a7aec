from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    ApplicationViewSet,
    CertificateViewSet,
    EvaluationViewSet,
    PolicyViewSet,
    PrecheckView,
    SupervisionNoticeViewSet,
)

router = SimpleRouter()
router.register("applications", ApplicationViewSet, basename="application")
router.register("certificates", CertificateViewSet, basename="certificate")
router.register("policies", PolicyViewSet, basename="policy")
router.register("evaluations", EvaluationViewSet, basename="evaluation")
router.register("supervision-notices", SupervisionNoticeViewSet, basename="supervision-notice")

urlpatterns = [path("certification/precheck/", PrecheckView.as_view(), name="precheck"), *router.urls]
