"""/api/v1/assessments/: the annual assessment of counties and bureaus, scoped as the pages are (the office: drafts
and every row; leaders and API accounts: published, every row; a county or a bureau: published, its own row)."""

from __future__ import annotations

from django.db.models import Prefetch
from rest_framework import serializers, viewsets

from evaluation import assessment_selectors as selectors
from evaluation.models import Assessment, AssessmentResult


class IndicatorOutput(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    weight = serializers.IntegerField(help_text="该指标的权重（本单位不涉及的指标不计分，其权重按其余指标折算）")
    text = serializers.CharField(help_text="计分依据，如“按时报送 7/8”")
    numerator = serializers.CharField()
    denominator = serializers.CharField(help_text="0：不涉及")
    score = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True, help_text="0–100；null：不涉及")
    points = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True, help_text="折算计入总分的分数")
    details = serializers.ListField(child=serializers.CharField(), help_text="未按时（按期）的事项等明细")


class AssessmentResultOutput(serializers.ModelSerializer):
    unit = serializers.CharField(source="name")
    county_id = serializers.IntegerField(allow_null=True)
    bureau_id = serializers.IntegerField(allow_null=True)
    indicators = IndicatorOutput(many=True, source="lines")

    class Meta:
        model = AssessmentResult
        fields = ["id", "kind", "unit", "county_id", "bureau_id", "total", "rank", "note", "indicators"]


class AssessmentOutput(serializers.ModelSerializer):
    evaluation_year = serializers.IntegerField(source="evaluation.year")
    results = AssessmentResultOutput(many=True, source="visible")

    class Meta:
        model = Assessment
        fields = [
            "id",
            "year",
            "status",
            "evaluation_year",
            "as_of",
            "published_at",
            "county_weights",
            "bureau_weights",
            "results",
        ]


class AssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    """年度考核: each county's and bureau's indicators (with their inputs), total and rank."""

    serializer_class = AssessmentOutput
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Assessment.objects.none()
        user = self.request.user
        return selectors.assessments(user=user).prefetch_related(
            Prefetch("results", queryset=selectors.visible_results(user=user), to_attr="visible")
        )
