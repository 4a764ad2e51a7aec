"""Output serializers (what consumers read) and input serializers (what writers send)."""

from rest_framework import serializers

from core.labels import choice_label
from towns.models import County, Enterprise, EnterpriseYearFigures, Town, TownYearFigures

FIGURE_FIELDS = ["year", "output_wan", "local_jobs", "provincial_share_pct", "tax_wan"]


class ChoiceLabel(serializers.CharField):
    """The label of a choice field's value (e.g. 特色轻工（工艺美术） for light_industry), as get_FOO_display gives
    it but looked up once per value (core.labels): ``source="get_FOO_display"`` cost ~0.4 ms a row and field
    on the town list, DRF inspecting the bound method's signature and Django hashing every lazy label."""

    def __init__(self, model, field_name: str, **kwargs):
        self.choice_field = model._meta.get_field(field_name)
        super().__init__(source=field_name, read_only=True, **kwargs)

    def to_representation(self, value):
        return choice_label(self.choice_field, value)


class TownFiguresOutput(serializers.ModelSerializer):
    class Meta:
        model = TownYearFigures
        fields = ["id", *FIGURE_FIELDS]


class EnterpriseFiguresOutput(serializers.ModelSerializer):
    class Meta:
        model = EnterpriseYearFigures
        fields = ["id", *FIGURE_FIELDS]


class CountyOutput(serializers.ModelSerializer):
    kind_display = ChoiceLabel(County, "kind")
    town_count = serializers.IntegerField()
    provincial_count = serializers.IntegerField()
    city_count = serializers.IntegerField()
    potential_count = serializers.IntegerField()

    class Meta:
        model = County
        fields = [
            "id",
            "name",
            "division_code",
            "kind",
            "kind_display",
            "town_count",
            "provincial_count",
            "city_count",
            "potential_count",
        ]


class TownOutput(serializers.ModelSerializer):
    county = serializers.CharField(source="county.name")
    county_id = serializers.IntegerField()
    sector_display = ChoiceLabel(Town, "sector")
    tier_display = ChoiceLabel(Town, "tier")
    enterprise_count = serializers.IntegerField()
    anchor_count = serializers.IntegerField()
    supporting_count = serializers.IntegerField()
    above_size_count = serializers.IntegerField()
    latest_figures = TownFiguresOutput(allow_null=True)

    class Meta:
        model = Town
        fields = [
            "id",
            "name",
            "county",
            "county_id",
            "leading_industry",
            "sector",
            "sector_display",
            "tier",
            "tier_display",
            "tier_since",
            "baseline_year",
            "enterprise_count",
            "anchor_count",
            "supporting_count",
            "above_size_count",
            "latest_figures",
        ]


class EnterpriseOutput(serializers.ModelSerializer):
    town_name = serializers.CharField(source="town.name")
    county = serializers.CharField(source="town.county.name")
    role_display = ChoiceLabel(Enterprise, "role")
    latest_figures = EnterpriseFiguresOutput(allow_null=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "credit_code",
            "town",
            "town_name",
            "county",
            "role",
            "role_display",
            "above_designated_size",
            "main_products",
            "latest_figures",
        ]


class EnterpriseInput(serializers.ModelSerializer):
    """Field rules come from the model; uniqueness and scope are checked by the service."""

    class Meta:
        model = Enterprise
        fields = ["town", "name", "credit_code", "role", "above_designated_size", "main_products"]
        validators = []  # constraints are validated once, in towns.services

    def validate_credit_code(self, value):
        return value.strip().upper()


class FiguresInput(serializers.ModelSerializer):
    class Meta:
        model = TownYearFigures
        fields = FIGURE_FIELDS
        validators = []
