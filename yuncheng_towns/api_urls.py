"""Every endpoint under /api/v1/, in one router and one namespace ("api"), so API route names never
clash with page names (reverse("api:town-detail") vs reverse("town-detail"))."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from certification.api import views as certification
from evaluation.api import assessments
from evaluation.api import views as evaluation
from tasks_registry.api import county_views as county_mechanisms
from tasks_registry.api import views as tasks
from towns.api import views as towns

app_name = "api"

router = DefaultRouter()
router.register("counties", towns.CountyViewSet, basename="county")
router.register("towns", towns.TownViewSet, basename="town")
router.register("enterprises", towns.EnterpriseViewSet, basename="enterprise")
router.register("applications", certification.ApplicationViewSet, basename="application")
router.register("certificates", certification.CertificateViewSet, basename="certificate")
router.register("policies", certification.PolicyViewSet, basename="policy")
router.register("evaluations", evaluation.EvaluationViewSet, basename="evaluation")
router.register("supervision-notices", evaluation.SupervisionNoticeViewSet, basename="supervision-notice")
router.register("assessments", assessments.AssessmentViewSet, basename="assessment")
router.register("tasks", tasks.TaskViewSet, basename="task")
router.register("reports", tasks.ReportViewSet, basename="report")
router.register("problems", tasks.ProblemViewSet, basename="problem")
router.register("projects", tasks.ProjectViewSet, basename="project")
router.register("county-documents", county_mechanisms.CountyDocumentViewSet, basename="county-document")
router.register("county-tasks", county_mechanisms.CountyTaskViewSet, basename="county-task")

urlpatterns = [
    path("certification/precheck/", certification.PrecheckView.as_view(), name="precheck"),
    *router.urls,
]
