from rest_framework.routers import DefaultRouter

from .views import CountyViewSet, EnterpriseViewSet, TownViewSet

router = DefaultRouter()
router.register("counties", CountyViewSet, basename="county")
router.register("towns", TownViewSet, basename="town")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")

urlpatterns = router.urls
