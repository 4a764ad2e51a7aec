from rest_framework import serializers

from evaluation.models import EvaluationRun, SupervisionNotice, TownEvaluation


class TownEvaluationOutput(serializers.ModelSerializer):
    town = serializers.CharField(source="town.name")
    town_id = serializers.IntegerField()
    county = serializers.CharField(source="town.county.name")

    class Meta:
        model = TownEvaluation
        fields = ["town", "town_id", "county", "group", "rank", "score", "has_data", "breakdown", "inspection", "slow"]


class EvaluationOutput(serializers.ModelSerializer):
    results = TownEvaluationOutput(many=True)
    commendations = serializers.SerializerMethodField()

    class Meta:
        model = EvaluationRun
        fields = ["id", "year", "status", "weights", "published_at", "results", "commendations"]

    def get_commendations(self, run) -> list[str]:
        return [c.town.name for c in run.commendations.all()]


class SupervisionNoticeOutput(serializers.ModelSerializer):
    town = serializers.CharField(source="town.name")
    county = serializers.CharField(source="county.name")
    year = serializers.SerializerMethodField()
    inspection = serializers.CharField(source="inspection.number", allow_null=True, default=None)

    class Meta:
        model = SupervisionNotice
        fields = ["id", "number", "year", "inspection", "town", "county", "problems", "issued_on", "deadline", "status"]

    def get_year(self, notice) -> int:
        """The evaluation's year; for a notice from a special inspection, the year it was issued."""
        return notice.run.year if notice.run_id else notice.issued_on.year
