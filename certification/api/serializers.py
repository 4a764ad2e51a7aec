from decimal import Decimal

from rest_framework import serializers

from certification import engine
from certification.models import Application, Certificate, CriteriaPolicy
from towns.models import Sector, Tier


class StrictIntegerField(serializers.IntegerField):
    """Counts are whole numbers: 3 or "3" (or 3.0), never 3.5 or true."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or (isinstance(data, float) and not data.is_integer()):
            self.fail("invalid")
        if isinstance(data, str) and not data.strip().lstrip("-").isdigit():
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictDecimalField(serializers.DecimalField):
    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class PrecheckInput(serializers.Serializer):
    sector = serializers.ChoiceField(choices=Sector.choices)
    annual_output_wan = StrictDecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0"))
    anchor_enterprises = StrictIntegerField(min_value=0, max_value=100000)
    supporting_enterprises = StrictIntegerField(min_value=0, max_value=1000000)
    provincial_share_pct = StrictDecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        allow_null=True,
        required=False,
        default=None,
    )
    national_market = StrictBooleanField(required=False, default=False)
    traditional_feature = StrictBooleanField(required=False, default=False)
    local_jobs = StrictIntegerField(min_value=0, max_value=100000000)

    def facts(self) -> engine.TownFacts:
        return engine.TownFacts(**self.validated_data)


class CriterionOutput(serializers.Serializer):
    code = serializers.ChoiceField(choices=list(engine.CRITERIA))
    label = serializers.CharField()
    status = serializers.ChoiceField(choices=[engine.PASS, engine.FAIL, engine.OFFICE_DECISION])
    status_label = serializers.CharField()
    message = serializers.CharField()


class VerdictOutput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[engine.ELIGIBLE, engine.NEEDS_OFFICE_DECISION, engine.INELIGIBLE])
    outcome_label = serializers.CharField()
    policy = serializers.CharField()
    criteria = CriterionOutput(many=True)


class PolicyOutput(serializers.ModelSerializer):
    class Meta:
        model = CriteriaPolicy
        fields = [
            "id",
            "code",
            "name",
            "source",
            *CriteriaPolicy.THRESHOLD_FIELDS,
        ]


class ApplicationOutput(serializers.ModelSerializer):
    cycle = serializers.CharField(source="cycle.name")
    policy = serializers.CharField(source="cycle.policy.code")
    town = serializers.CharField(source="town.name")
    town_id = serializers.IntegerField()
    county = serializers.CharField(source="county.name")
    status_display = serializers.CharField(source="get_status_display")
    verdict = serializers.SerializerMethodField()
    certificate = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "number",
            "cycle",
            "policy",
            "town",
            "town_id",
            "county",
            "target_tier",
            "status",
            "status_display",
            "sector",
            "leading_industry",
            "figures_year",
            "annual_output_wan",
            "local_jobs",
            "provincial_share_pct",
            "national_market",
            "traditional_feature",
            "submitted_at",
            "decided_at",
            "verdict",
            "certificate",
        ]

    def get_verdict(self, app) -> dict | None:
        verdict = app.verdict()
        return verdict.as_dict() if verdict else None

    def get_certificate(self, app) -> str | None:
        certificate = getattr(app, "certificate", None)
        return certificate.number if certificate else None


class CertificateOutput(serializers.ModelSerializer):
    town = serializers.CharField(source="town.name")
    town_id = serializers.IntegerField()
    county = serializers.CharField(source="town.county.name")
    cycle = serializers.CharField(source="cycle.name")
    valid = serializers.BooleanField(source="is_valid")
    tier = serializers.ChoiceField(
        source="certified_tier",
        choices=[Tier.CITY],
        help_text="Always city: the city certifies city-level towns; only the province designates provincial ones.",
    )
    tier_label = serializers.CharField(help_text="市级专业镇, or 市级专业镇（推荐省级） for a recommended town.")
    recommended_provincial = serializers.BooleanField(
        help_text="Certified city-level and recommended to the province (not yet designated provincial by this)."
    )

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "town",
            "town_id",
            "county",
            "tier",
            "tier_label",
            "recommended_provincial",
            "cycle",
            "issued_on",
            "valid_until",
            "valid",
            "revoked_on",
            "revoke_reason",
        ]
