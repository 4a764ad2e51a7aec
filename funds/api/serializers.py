from rest_framework import serializers

from funds.models import FundAllocation, FundBudget


class FundBudgetOutput(serializers.ModelSerializer):
    """A year's budget and, city-wide, what is allocated (not cancelled), issued (paid included), paid and left."""

    allocated_wan = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    issued_wan = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    paid_wan = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    remaining_wan = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)

    class Meta:
        model = FundBudget
        fields = [
            "year",
            "amount_wan",
            "allocated_wan",
            "issued_wan",
            "paid_wan",
            "remaining_wan",
            "document_title",
            "document_number",
            "document_date",
            "note",
        ]


class FundAllocationOutput(serializers.ModelSerializer):
    year = serializers.IntegerField(source="budget.year")
    kind_display = serializers.CharField(source="get_kind_display")
    county = serializers.CharField(source="county.name")
    county_id = serializers.IntegerField()
    town = serializers.CharField(source="town.name", allow_null=True, default=None)
    town_id = serializers.IntegerField(allow_null=True)
    project = serializers.CharField(source="project.name", allow_null=True, default=None)
    project_id = serializers.IntegerField(allow_null=True)
    commendation = serializers.SerializerMethodField()
    purpose_display = serializers.CharField(source="get_purpose_display")
    status_display = serializers.CharField(source="get_status_display")

    class Meta:
        model = FundAllocation
        fields = [
            "id",
            "year",
            "kind",
            "kind_display",
            "county",
            "county_id",
            "town",
            "town_id",
            "project",
            "project_id",
            "commendation",
            "amount_wan",
            "purpose",
            "purpose_display",
            "description",
            "merit",
            "document_number",
            "document_date",
            "status",
            "status_display",
            "paid_on",
            "payment_reference",
            "cancelled_on",
            "cancel_reason",
        ]

    def get_commendation(self, allocation) -> dict | None:
        """The commendation a reward is for: its evaluation year, rank and town."""
        c = allocation.commendation
        if c is None:
            return None
        return {"id": c.pk, "evaluation_year": c.run.year, "rank": c.rank, "town": c.town.name}
