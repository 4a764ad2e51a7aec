from rest_framework import serializers

from tasks_registry.county_models import CountyDocument, CountyTask, CountyTaskReport


class CountyDocumentOutput(serializers.ModelSerializer):
    county = serializers.CharField(source="county.name")
    county_id = serializers.IntegerField()
    kind_display = serializers.CharField(source="get_kind_display")
    status_display = serializers.CharField(source="get_status_display")
    towns = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = CountyDocument
        fields = [
            "id",
            "county",
            "county_id",
            "kind",
            "kind_display",
            "title",
            "number",
            "issued_on",
            "issuer",
            "summary",
            "towns",
            "status",
            "status_display",
            "published_at",
            "repealed_on",
            "repeal_reason",
            "attachments",
        ]

    def get_attachments(self, document) -> list[dict]:
        return [
            {"name": a.original_name, "size": a.size, "content_type": a.content_type}
            for a in document.attachments.all()
        ]


class CountyTaskReportOutput(serializers.ModelSerializer):
    class Meta:
        model = CountyTaskReport
        fields = ["id", "period", "progress_pct", "narrative", "submitted_at", "updated_at"]


class CountyTaskOutput(serializers.ModelSerializer):
    county = serializers.CharField(source="county.name")
    county_id = serializers.IntegerField()
    city_task = serializers.IntegerField(source="city_task.number", allow_null=True, default=None)
    towns = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    status_display = serializers.CharField(source="get_status_display")
    overdue = serializers.BooleanField()
    reports = CountyTaskReportOutput(many=True)

    class Meta:
        model = CountyTask
        fields = [
            "id",
            "county",
            "county_id",
            "year",
            "title",
            "content",
            "city_task",
            "towns",
            "owner_unit",
            "owner_person",
            "deadline",
            "status",
            "status_display",
            "progress_pct",
            "done_on",
            "overdue",
            "reports",
        ]
