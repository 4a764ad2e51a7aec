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
    year = serializers.IntegerField(source="run.year")

    class Meta:
        model = SupervisionNotice
        fields = ["id", "number", "year", "town", "county", "problems", "issued_on", "deadline", "status"]
