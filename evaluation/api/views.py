from django.db.models import Prefetch
from rest_framework import viewsets

from evaluation import selectors
from evaluation.models import EvaluationRun, SupervisionNotice, TownEvaluation

from .serializers import EvaluationOutput, SupervisionNoticeOutput


class EvaluationViewSet(viewsets.ReadOnlyModelViewSet):
    """Published annual evaluations with every town's score, rank and breakdown (the office also drafts)."""

    serializer_class = EvaluationOutput
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EvaluationRun.objects.none()
        return selectors.evaluation_runs(user=self.request.user).prefetch_related(
            Prefetch(
                "results",
                queryset=TownEvaluation.objects.select_related("town__county").order_by("group", "rank", "town__name"),
            ),
            "commendations__town",
        )


class SupervisionNoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """督办通知书: a county's own; all for the office and leaders."""

    serializer_class = SupervisionNoticeOutput
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SupervisionNotice.objects.none()
        return selectors.supervision_notices(user=self.request.user)
