"""The default policy: the 2023 document's four criteria (运政办发〔2023〕8号 三), numbers from engine.YC_2023."""

from __future__ import annotations

from . import engine
from .models import CriteriaPolicy

DEFAULT_POLICY_CODE = engine.YC_2023.code
DEFAULT_POLICY_NAME = {
    "name": "运城市重点专业镇认定标准（2023）",
    "source": "运政办发〔2023〕8号 三、市级专业镇认定标准",
}


def ensure_default_policy() -> CriteriaPolicy:
    """Idempotent: the policy row of the 2023 document."""
    defaults = {**DEFAULT_POLICY_NAME, **CriteriaPolicy.fields_of(engine.YC_2023)}
    return CriteriaPolicy.objects.get_or_create(code=DEFAULT_POLICY_CODE, defaults=defaults)[0]
