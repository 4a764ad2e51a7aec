from rest_framework.routers import SimpleRouter

from .views import ProblemViewSet, ProjectViewSet, ReportViewSet, TaskViewSet

router = SimpleRouter()
router.register("tasks", TaskViewSet, basename="task")
router.register("reports", ReportViewSet, basename="report")
router.register("problems", ProblemViewSet, basename="problem")
router.register("projects", ProjectViewSet, basename="project")
urlpatterns = router.urls
