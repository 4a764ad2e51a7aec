from rest_framework import viewsets

from tasks_registry import county_selectors as selectors
from tasks_registry.county_filters import CountyDocumentFilter, CountyTaskFilter
from tasks_registry.county_models import CountyDocument, CountyTask

from .county_serializers import CountyDocumentOutput, CountyTaskOutput


class CountyDocumentViewSet(viewsets.ReadOnlyModelViewSet):
    """各县（市、区）的一镇一策扶持政策、培育方案和中长期规划: published ones of every county, drafts only the
    drafting county's (anyone else: 404). Programme members only (experts and API accounts: 403)."""

    serializer_class = CountyDocumentOutput
    filterset_class = CountyDocumentFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CountyDocument.objects.none()
        return selectors.document_list(user=self.request.user).prefetch_related("attachments").order_by("pk")


class CountyTaskViewSet(viewsets.ReadOnlyModelViewSet):
    """各县（市、区）的任务清单 with their quarterly reports: a county its own (another's: 404), the office, bureaus
    and leaders every county's; ``overdue`` follows the one rule (past the deadline and not done)."""

    serializer_class = CountyTaskOutput
    filterset_class = CountyTaskFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CountyTask.objects.none()
        return selectors.county_task_list(user=self.request.user).prefetch_related("reports").order_by("pk")
