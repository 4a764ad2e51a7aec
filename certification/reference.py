"""The default policy: the 2023 document's four criteria (运政办发〔2023〕8号 三)."""

from __future__ import annotations

from decimal import Decimal

DEFAULT_POLICY_CODE = "YC-2023"
DEFAULT_POLICY = {
    "name": "运城市重点专业镇认定标准（2023）",
    "source": "运政办发〔2023〕8号 三、市级专业镇认定标准",
    "min_anchor": 1,
    "nominal_supporting": 10,
    "min_supporting": 8,
    "output_manufacturing_wan": Decimal("50000"),
    "output_agriculture_wan": Decimal("20000"),
    "output_light_industry_wan": Decimal("20000"),
    "relaxed_floor_wan": Decimal("10000"),
    "share_pct": Decimal("50"),
    "min_jobs": 2000,
}


def ensure_default_policy(policy_model=None):
    """Idempotent; the data migration passes its historical model."""
    if policy_model is None:
        from .models import CriteriaPolicy as policy_model
    return policy_model.objects.get_or_create(code=DEFAULT_POLICY_CODE, defaults=DEFAULT_POLICY)[0]
