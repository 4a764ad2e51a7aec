from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import ApplicationViewSet, CertificateViewSet, PolicyViewSet, PrecheckView

router = SimpleRouter()
router.register("applications", ApplicationViewSet, basename="application")
router.register("certificates", CertificateViewSet, basename="certificate")
router.register("policies", PolicyViewSet, basename="policy")

urlpatterns = [path("certification/precheck/", PrecheckView.as_view(), name="precheck"), *router.urls]
