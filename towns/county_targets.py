"""A county's own job and tax targets (任务12) against what its towns report.

Progress is the sum of the county's towns' yearly figures (``TownYearFigures``) for the target's year:
带动当地就业 for the job target, 税收 for the tax target. A town without figures for that year adds nothing;
when no town of the county has a figure for the year, the actual is ``None`` ("not yet reported"), not 0.
One implementation, read by the county page, the API and the annual assessment.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from .models import County, CountyTarget, TownYearFigures


@dataclass(frozen=True)
class Actuals:
    jobs: int | None
    tax_wan: Decimal | None


@dataclass(frozen=True)
class TargetProgress:
    county_id: int
    year: int
    jobs_target: int | None
    tax_target_wan: Decimal | None
    jobs_actual: int | None
    tax_actual_wan: Decimal | None

    @staticmethod
    def _met(target, actual) -> bool | None:
        if target is None:
            return None  # no target set: neither met nor missed
        if actual is None:
            return False  # a target with nothing reported is not met
        return actual >= target

    @property
    def jobs_met(self) -> bool | None:
        return self._met(self.jobs_target, self.jobs_actual)

    @property
    def tax_met(self) -> bool | None:
        return self._met(self.tax_target_wan, self.tax_actual_wan)

    @property
    def targets_set(self) -> int:
        return (self.jobs_target is not None) + (self.tax_target_wan is not None)

    @property
    def targets_met(self) -> int:
        return (self.jobs_met is True) + (self.tax_met is True)

    @staticmethod
    def _pct(target, actual) -> Decimal | None:
        if target in (None, 0) or actual is None:
            return None
        return (Decimal(actual) * 100 / Decimal(target)).quantize(Decimal("0.1"))

    @property
    def jobs_pct(self) -> Decimal | None:
        return self._pct(self.jobs_target, self.jobs_actual)

    @property
    def tax_pct(self) -> Decimal | None:
        return self._pct(self.tax_target_wan, self.tax_actual_wan)


def actuals_by_county(year: int) -> dict[int, Actuals]:
    """Every county's summed town figures for ``year``, in one query."""
    rows = (
        TownYearFigures.objects.filter(year=year)
        .values("town__county_id")
        .annotate(jobs=Sum("local_jobs"), tax=Sum("tax_wan"), n=Count("id"))
    )
    return {r["town__county_id"]: Actuals(jobs=r["jobs"], tax_wan=r["tax"]) for r in rows}


def progress_for(target: CountyTarget, actuals: Actuals | None) -> TargetProgress:
    return TargetProgress(
        county_id=target.county_id,
        year=target.year,
        jobs_target=target.jobs_target,
        tax_target_wan=target.tax_target_wan,
        jobs_actual=actuals.jobs if actuals else None,
        tax_actual_wan=actuals.tax_wan if actuals else None,
    )


def progress_by_county(year: int) -> dict[int, TargetProgress]:
    """Progress of every county that set a target for ``year`` (two queries); counties without one are absent."""
    actuals = actuals_by_county(year)
    return {t.county_id: progress_for(t, actuals.get(t.county_id)) for t in CountyTarget.objects.filter(year=year)}


def county_progress(county: County) -> list[TargetProgress]:
    """One county's targets, newest year first, each with its progress: two queries, however many years."""
    targets = list(county.targets.order_by("-year"))
    rows = (
        TownYearFigures.objects.filter(town__county=county, year__in=[t.year for t in targets])
        .values("year")
        .annotate(jobs=Sum("local_jobs"), tax=Sum("tax_wan"))
        .order_by()
    )
    actuals = {r["year"]: Actuals(jobs=r["jobs"], tax_wan=r["tax"]) for r in rows} if targets else {}
    return [progress_for(target, actuals.get(target.year)) for target in targets]
