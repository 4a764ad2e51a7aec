from rest_framework import serializers

from tasks_registry.models import KeyProject, Problem, ProgressReport
from tasks_registry.reference import COUNTIES_ENTRY


class TaskRowOutput(serializers.Serializer):
    """A task as the board shows it (selectors.TaskRow)."""

    number = serializers.IntegerField(source="task.number")
    theme = serializers.CharField(source="task.theme")
    title = serializers.CharField(source="task.title")
    lead_bureaus = serializers.SerializerMethodField()
    supporting_bureaus = serializers.SerializerMethodField()
    status = serializers.CharField()
    status_display = serializers.CharField(source="status_label")
    progress_pct = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    reporting_period = serializers.CharField(source="task.reporting_period")
    last_reports = serializers.DictField(child=serializers.DateTimeField())
    overdue_units = serializers.SerializerMethodField()

    def get_lead_bureaus(self, row) -> list[str]:
        return [b.name for b in row.leads]

    def get_supporting_bureaus(self, row) -> list[str]:
        return [b.name for b in row.supports] + ([COUNTIES_ENTRY] if row.task.counties_support else [])

    def get_overdue_units(self, row) -> list[str]:
        return [b.name for b in row.overdue_units]


class MeasureOutput(serializers.Serializer):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    goal = serializers.CharField()
    deadline = serializers.DateField()
    weight = serializers.DecimalField(max_digits=5, decimal_places=2)
    progress_pct = serializers.DecimalField(source="latest_pct", max_digits=4, decimal_places=1, allow_null=True)


class ReportOutput(serializers.ModelSerializer):
    task = serializers.IntegerField(source="task.number")
    unit = serializers.CharField(source="unit_name")
    measures = serializers.SerializerMethodField()
    towns = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "task",
            "unit",
            "period",
            "kind",
            "narrative",
            "towns",
            "measures",
            "submitted_at",
            "updated_at",
        ]

    def get_measures(self, report) -> list[dict]:
        return [
            {"measure": mp.measure.title, "progress_pct": str(mp.progress_pct), "note": mp.note}
            for mp in report.measure_progress.all()
        ]


class TaskDetailOutput(TaskRowOutput):
    text = serializers.CharField(source="task.text")
    responsibility = serializers.CharField(source="task.responsibility")
    measures = MeasureOutput(many=True)
    latest_reports = ReportOutput(many=True)


class ProblemOutput(serializers.ModelSerializer):
    town = serializers.CharField(source="town.name", allow_null=True, default=None)
    task = serializers.IntegerField(source="task.number", allow_null=True, default=None)
    responsible = serializers.CharField(source="responsible_name")
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = Problem
        fields = [
            "id",
            "number",
            "title",
            "description",
            "town",
            "task",
            "source",
            "found_on",
            "responsible",
            "deadline",
            "status",
            "status_display",
            "closed_at",
        ]


class ProjectOutput(serializers.ModelSerializer):
    town = serializers.CharField(source="town.name")
    county = serializers.CharField(source="town.county.name")
    enterprise = serializers.CharField(source="enterprise.name", allow_null=True, default=None)

    class Meta:
        model = KeyProject
        fields = [
            "id",
            "name",
            "town",
            "county",
            "enterprise",
            "investment_wan",
            "stage",
            "planned_sign_on",
            "signed_on",
            "planned_start_on",
            "started_on",
            "planned_production_on",
            "in_production_on",
        ]
