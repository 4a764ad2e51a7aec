"""Output serializers (what consumers read) and input serializers (what writers send)."""

from rest_framework import serializers

from towns.models import County, Enterprise, EnterpriseYearFigures, Sector, Tier, Town, TownYearFigures

FIGURE_FIELDS = ["year", "output_wan", "local_jobs", "provincial_share_pct", "tax_wan"]


class ChoiceLabel(serializers.CharField):
    """The label of a choice field's value (e.g. 特色轻工（工艺美术） for light_industry), looked up in a dict.
    ``source="get_FOO_display"`` costs ~1 ms a row: DRF inspects the bound method's signature and Django
    hashes every lazy label of the choices on each call; on the town list that was ~40% of a request."""

    def __init__(self, choices, **kwargs):
        self.labels = dict(choices)
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return str(self.labels.get(value, value))


class TownFiguresOutput(serializers.ModelSerializer):
    class Meta:
        model = TownYearFigures
        fields = ["id", *FIGURE_FIELDS]


class EnterpriseFiguresOutput(serializers.ModelSerializer):
    class Meta:
        model = EnterpriseYearFigures
        fields = ["id", *FIGURE_FIELDS]


class CountyOutput(serializers.ModelSerializer):
    kind_display = ChoiceLabel(County.Kind.choices, source="kind")
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
    sector_display = ChoiceLabel(Sector.choices, source="sector")
    tier_display = ChoiceLabel(Tier.choices, source="tier")
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
    role_display = ChoiceLabel(Enterprise.Role.choices, source="role")
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


class ErrorOutput(serializers.Serializer):
    """Every error but a validation error: {"detail": "..."}."""

    detail = serializers.CharField()


class ValidationErrorOutput(serializers.Serializer):
    """A 400 naming each invalid field (body or filter), ``{"field": ["message", ...], ...}``; errors not tied to a
    field come under ``non_field_errors``. Its schema is a map, which a serializer's fields cannot say: see
    towns.api.schema.ValidationErrorScheme."""
