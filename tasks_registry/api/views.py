from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.response import Response

from tasks_registry import selectors
from tasks_registry.filters import ProblemFilter, ProjectFilter
from tasks_registry.models import KeyProject, Problem, ProgressReport

from .serializers import ProblemOutput, ProjectOutput, ReportOutput, TaskDetailOutput, TaskRowOutput


class TaskViewSet(viewsets.ViewSet):
    """The 12 key tasks (四、重点任务) in number order, with units, status and progress."""

    lookup_field = "number"
    lookup_value_regex = r"\d+"

    @extend_schema(responses=TaskRowOutput(many=True))
    def list(self, request):
        return Response(TaskRowOutput(selectors.board(user=request.user), many=True).data)

    @extend_schema(responses=TaskDetailOutput)
    def retrieve(self, request, number=None):
        row = next((r for r in selectors.board(user=request.user) if str(r.task.number) == str(number)), None)
        if row is None:
            raise Http404
        row.latest_reports = (
            selectors.report_list(user=request.user)
            .filter(task=row.task)
            .prefetch_related("measure_progress__measure", "towns")[:10]
        )
        return Response(TaskDetailOutput(row).data)


class ReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Progress reports, scoped as on the pages."""

    serializer_class = ReportOutput
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ProgressReport.objects.none()
        return selectors.report_list(user=self.request.user).prefetch_related("measure_progress__measure", "towns")


class ProblemViewSet(viewsets.ReadOnlyModelViewSet):
    """问题台账, scoped as on the pages (experts and API consumers: 403)."""

    serializer_class = ProblemOutput
    filterset_class = ProblemFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Problem.objects.none()
        return selectors.problem_list(user=self.request.user)


class ProjectViewSet(viewsets.ReadOnlyModelViewSet):
    """重点项目库."""

    serializer_class = ProjectOutput
    filterset_class = ProjectFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return KeyProject.objects.none()
        return selectors.project_list(user=self.request.user)
