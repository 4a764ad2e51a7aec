from decimal import Decimal

from rest_framework import serializers

from certification import engine
from certification.models import Application, Certificate, CriteriaPolicy
from towns.models import Sector, Tier
from towns.validators import FIRST_FIGURE_YEAR, validate_figure_year


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


class CheckInput(serializers.Serializer):
    """What the county's page shows before saving: any of the applicant's fields as typed, and the firm counts
    of the firm picker's unsaved choices. A field left out keeps its saved value."""

    target_tier = serializers.ChoiceField(choices=Application._meta.get_field("target_tier").choices, required=False)
    figures_year = StrictIntegerField(
        min_value=FIRST_FIGURE_YEAR, allow_null=True, required=False, validators=[validate_figure_year]
    )
    annual_output_wan = StrictDecimalField(
        max_digits=14, decimal_places=2, min_value=Decimal("0"), allow_null=True, required=False
    )
    local_jobs = StrictIntegerField(min_value=0, max_value=100000000, allow_null=True, required=False)
    provincial_share_pct = StrictDecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        allow_null=True,
        required=False,
    )
    national_market = StrictBooleanField(required=False)
    national_market_evidence = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    traditional_feature = StrictBooleanField(required=False)
    traditional_feature_kind = serializers.ChoiceField(
        choices=Application.Feature.choices, allow_blank=True, required=False
    )
    traditional_feature_evidence = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    anchor_enterprises = StrictIntegerField(min_value=0, max_value=100000, required=False)
    supporting_enterprises = StrictIntegerField(min_value=0, max_value=1000000, required=False)

    COUNTS = ("anchor_enterprises", "supporting_enterprises")

    def fields_typed(self) -> dict:
        return {k: v for k, v in self.validated_data.items() if k not in self.COUNTS}

    def counts(self, app: Application) -> tuple[int, int] | None:
        """(anchor, supporting): the page's, either missing one taken from what is saved; None when neither is sent."""
        sent = [self.validated_data.get(k) for k in self.COUNTS]
        if sent == [None, None]:
            return None
        saved = app.firm_counts()
        return tuple(s if s is not None else d for s, d in zip(sent, saved, strict=True))


class CheckOutput(serializers.Serializer):
    verdict = VerdictOutput(allow_null=True, help_text="The four criteria (null while output or jobs are missing).")
    missing = serializers.ListField(
        child=serializers.CharField(),
        help_text="Why it cannot be submitted yet (the submit checklist); empty if it can.",
    )
    ready = serializers.BooleanField(help_text="Nothing missing: the county may submit (once the page is saved).")
