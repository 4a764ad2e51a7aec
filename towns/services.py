"""Every write to the registry. Keyword-only, atomic, scope-checked, audited."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit, spreadsheets
from core.errors import ActionNotAllowed
from core.models import ApiToken, AuditEntry
from core.services import apply, validate
from core.spreadsheets import ImportReport

from . import importers
from .models import (
    DEFAULT_BASELINE_YEAR,
    CountyTarget,
    Enterprise,
    EnterpriseYearFigures,
    Role,
    Tier,
    Town,
    TownTierChange,
    TownYearFigures,
)
from .permissions import (
    require_county_target_editor,
    require_office,
    require_registry_editor,
    require_town_in_scope,
    role_of,
)
from .selectors import editable_towns
from .validators import validate_figure_year

Action = AuditEntry.Action


def _save_validated(obj, *, user, before: audit.Snapshot | None, note: str = ""):
    """Validate, save, and log the change."""
    validate(obj)
    creating = obj._state.adding
    try:
        with transaction.atomic():
            obj.save()
    except IntegrityError:
        # A concurrent request saved the same year/code between our check and our insert:
        # validating again now reports it on the field, like any other duplicate.
        validate(obj)
        raise
    audit.record(action=Action.CREATE if creating else Action.UPDATE, obj=obj, user=user, before=before, note=note)
    return obj


@transaction.atomic
def enterprise_create(*, user, town: Town, data: dict[str, Any]) -> Enterprise:
    require_registry_editor(user)
    require_town_in_scope(user, town)
    enterprise = Enterprise(town=town)
    apply(enterprise, data)
    return _save_validated(enterprise, user=user, before=None)


@transaction.atomic
def enterprise_update(*, user, enterprise: Enterprise, data: dict[str, Any]) -> Enterprise:
    require_registry_editor(user)
    require_town_in_scope(user, enterprise.town)
    before = audit.snapshot(enterprise)
    apply(enterprise, data)
    # Moving an enterprise to another town must stay within the user's scope too.
    require_town_in_scope(user, enterprise.town)
    return _save_validated(enterprise, user=user, before=before)


@transaction.atomic
def enterprise_delete(*, user, enterprise: Enterprise) -> None:
    require_registry_editor(user)
    require_town_in_scope(user, enterprise.town)
    audit.record(action=Action.DELETE, obj=enterprise, user=user, before=audit.snapshot(enterprise), after={})
    try:
        with transaction.atomic():
            enterprise.delete()
    except ProtectedError:
        raise ActionNotAllowed(_("该企业已列入认定申请，不能删除；可修改其信息或在申请中移除后再删除。")) from None


@transaction.atomic
def town_figures_save(
    *, user, town: Town, data: dict[str, Any], figures: TownYearFigures | None = None, note: str = ""
) -> TownYearFigures:
    """Create a year's figures for a town, or correct an existing year (the correction is logged)."""
    require_registry_editor(user)
    require_town_in_scope(user, town)
    before = audit.snapshot(figures) if figures else None
    figures = figures or TownYearFigures(town=town)
    apply(figures, data)
    return _save_validated(figures, user=user, before=before, note=note)


@transaction.atomic
def enterprise_figures_save(
    *, user, enterprise: Enterprise, data: dict[str, Any], figures: EnterpriseYearFigures | None = None
) -> EnterpriseYearFigures:
    require_registry_editor(user)
    require_town_in_scope(user, enterprise.town)
    before = audit.snapshot(figures) if figures else None
    figures = figures or EnterpriseYearFigures(enterprise=enterprise)
    apply(figures, data)
    return _save_validated(figures, user=user, before=before)


@transaction.atomic
def figures_delete(*, user, figures: TownYearFigures | EnterpriseYearFigures) -> None:
    require_registry_editor(user)
    town = figures.town if isinstance(figures, TownYearFigures) else figures.enterprise.town
    require_town_in_scope(user, town)
    audit.record(action=Action.DELETE, obj=figures, user=user, before=audit.snapshot(figures), after={})
    figures.delete()


@transaction.atomic
def town_change_tier(*, user, town: Town, to_tier: str, effective_date: datetime.date, source: str) -> Town:
    """A state change of the town's tier; kept as a TownTierChange row and in the audit trail."""
    require_office(user)
    town = Town.objects.select_for_update().get(pk=town.pk)
    before = audit.snapshot(town)
    change = TownTierChange(
        town=town,
        from_tier=town.tier,
        to_tier=to_tier,
        effective_date=effective_date,
        source=source,
        recorded_by=user if user.is_authenticated else None,
    )
    change.full_clean()
    change.save()
    town.tier, town.tier_since = to_tier, effective_date
    town.full_clean()
    town.save(update_fields=["tier", "tier_since"])
    audit.record(action=Action.STATE, obj=town, user=user, before=before, note=source)
    return town


IMPORT_BATCH_ROWS = 2000


def enterprise_import(*, user, upload) -> ImportReport:
    """Import enterprises and their yearly figures from the template .xlsx: all rows or nothing.

    Raises SpreadsheetRejected for a file that cannot be read at all; otherwise returns a report
    whose ``errors`` list every wrong cell by row and column (and then nothing was saved).

    The file streams through in batches: each batch is read, checked and (while no row has failed)
    written, all in one transaction that is rolled back if any row of the file is wrong. Memory stays
    flat whatever the number of rows, and nobody ever sees half a file.
    """
    require_registry_editor(user)
    towns = {t.name: t for t in editable_towns(user=user)}
    report = ImportReport()
    checks = importers.ImportChecks(towns=towns)
    written: dict[str, int] = {}  # credit code -> enterprise pk, for later rows of the same enterprise
    try:
        with transaction.atomic():
            rows = spreadsheets.read_rows(upload, importers.ENTERPRISE_COLUMNS)
            while batch := list(itertools.islice(rows, IMPORT_BATCH_ROWS)):
                report.rows += len(batch)
                passed = checks.check_batch(batch, report)
                if not report.errors:
                    _write_import_batch(user=user, rows=passed, written=written, report=report)
            if report.rows == 0:
                raise spreadsheets.SpreadsheetRejected(_("文件中没有数据行。"))
            if report.errors:
                transaction.set_rollback(True)
    except IntegrityError:
        # Someone registered the same enterprise between our check and our write: nothing was saved.
        report.errors.append(
            spreadsheets.RowError(0, "—", _("数据在导入过程中被他人修改，未导入任何数据，请重新上传。"))
        )
    if report.errors:
        report.created = report.updated = report.unchanged = report.figures_created = report.figures_updated = 0
    report.errors.sort(key=lambda e: e.row)
    return report


def _write_import_batch(*, user, rows: list[importers.ParsedRow], written: dict[str, int], report) -> None:
    """Write one checked batch: its enterprises, their figures and the audit entries, in bulk."""
    note = _("Excel 批量导入")
    entries: list[AuditEntry] = []
    enterprises: dict[str, Enterprise] = {}
    to_create: list[Enterprise] = []
    to_update: list[tuple[Enterprise, audit.Snapshot]] = []
    for row in rows:
        if not row.first:
            continue  # a further year of an enterprise: its registry fields come from its first row
        data, current = row.enterprise, row.existing
        if current is None:
            enterprise = Enterprise(**data)
            to_create.append(enterprise)
        else:
            before = audit.snapshot(current)
            apply(current, data)
            enterprise = current
            if audit.diff(before, audit.snapshot(current)):
                to_update.append((current, before))
            else:
                report.unchanged += 1
        enterprises[data["credit_code"]] = enterprise
    Enterprise.objects.bulk_create(to_create, batch_size=IMPORT_BATCH_ROWS)
    Enterprise.objects.bulk_update(
        [e for e, _ in to_update],
        ["town", "name", "credit_code", "role", "above_designated_size", "main_products"],
        batch_size=IMPORT_BATCH_ROWS,
    )
    written.update((code, e.pk) for code, e in enterprises.items())
    entries += [audit.build(action=Action.CREATE, obj=e, user=user, note=note) for e in to_create]
    entries += [audit.build(action=Action.UPDATE, obj=e, user=user, before=b, note=note) for e, b in to_update]
    report.created += len(to_create)
    report.updated += len(to_update)

    # Further years of enterprises written by an earlier batch.
    earlier = {
        written[r.enterprise["credit_code"]]
        for r in rows
        if r.figures and r.enterprise["credit_code"] not in enterprises
    }
    if earlier:
        enterprises.update((e.credit_code, e) for e in Enterprise.objects.filter(pk__in=earlier).select_related("town"))
    wanted = [(enterprises[row.enterprise["credit_code"]], row.figures) for row in rows if row.figures]
    existing = {
        (f.enterprise_id, f.year): f
        for f in EnterpriseYearFigures.objects.filter(
            enterprise_id__in={e.pk for e, _ in wanted}, year__in={f["year"] for _, f in wanted}
        )
    }
    new_figures, changed_figures = [], []
    for enterprise, values in wanted:
        current = existing.get((enterprise.pk, values["year"]))
        if current is None:
            new_figures.append(EnterpriseYearFigures(enterprise=enterprise, **values))
            continue
        current.enterprise = enterprise  # already loaded: the snapshot names it without a query
        before = audit.snapshot(current)
        apply(current, values)
        if audit.diff(before, audit.snapshot(current)):
            changed_figures.append((current, before))
    EnterpriseYearFigures.objects.bulk_create(new_figures, batch_size=IMPORT_BATCH_ROWS)
    EnterpriseYearFigures.objects.bulk_update(
        [f for f, _ in changed_figures], list(EnterpriseYearFigures.FIGURE_FIELDS), batch_size=IMPORT_BATCH_ROWS
    )
    entries += [audit.build(action=Action.CREATE, obj=f, user=user, note=note) for f in new_figures]
    entries += [audit.build(action=Action.UPDATE, obj=f, user=user, before=b, note=note) for f, b in changed_figures]
    report.figures_created += len(new_figures)
    report.figures_updated += len(changed_figures)
    audit.record_many(entries)


TOWN_FIELDS = ("name", "leading_industry", "sector", "description", "baseline_year")


@transaction.atomic
def town_register(*, user, county_id: int, data: dict[str, Any], source: str) -> Town:
    """A new town enters the registry as a 潜力专业镇 (a county for itself, or the office)."""
    require_registry_editor(user)
    town = Town(county_id=county_id, tier=Tier.POTENTIAL, tier_since=timezone.localdate())
    require_town_in_scope(user, town)
    apply(town, data, fields=TOWN_FIELDS)
    _save_validated(town, user=user, before=None, note=source)
    TownTierChange.objects.create(
        town=town,
        from_tier="",
        to_tier=Tier.POTENTIAL,
        effective_date=town.tier_since,
        source=source,
        recorded_by=user,
    )
    return town


@transaction.atomic
def town_update(*, user, town: Town, data: dict[str, Any], note: str = "") -> Town:
    """Registry fields of a town (not its tier, which changes only through town_change_tier)."""
    require_office(user)
    town = Town.objects.select_for_update().get(pk=town.pk)
    before = audit.snapshot(town)
    apply(town, data, fields=TOWN_FIELDS)
    return _save_validated(town, user=user, before=before, note=note)


@transaction.atomic
def town_set_baseline_year(*, user, town: Town, year: int | None) -> Town:
    """The office sets the base year of a town's doubling target (市级专业镇在现有基础上实现产值翻一番); None returns
    the town to the default (2022, the year before the plan)."""
    require_office(user)
    if year is not None:
        try:
            validate_figure_year(year)
        except ValidationError as exc:
            raise ValidationError({"baseline_year": exc.messages}) from None
    note = (
        _("设定产值翻一番基准年为%(year)s年") % {"year": year}
        if year is not None
        else _("产值翻一番基准年恢复为默认（%(year)s年）") % {"year": DEFAULT_BASELINE_YEAR}
    )
    return town_update(user=user, town=town, data={"baseline_year": year}, note=note)


@transaction.atomic
def api_token_issue(*, user, holder, days: int | None = None) -> tuple[ApiToken, str]:
    """Issue an API token to an API consumer; returns the token and its key, which is shown only now.

    Earlier tokens of the holder are revoked at once.
    """
    from django.conf import settings

    from core.api.authentication import digest, new_key

    require_office(user)
    if role_of(holder) != Role.API:
        raise ValidationError({"holder": _("只能为接口用户签发令牌。")})
    now = timezone.now()
    revoked = ApiToken.objects.filter(user=holder, revoked_at__isnull=True).update(revoked_at=now)
    key = new_key()
    token = ApiToken.objects.create(
        user=holder,
        prefix=key[:8],
        key_hash=digest(key),
        issued_by=user,
        expires_at=now + datetime.timedelta(days=days or settings.API_TOKEN_DAYS),
    )
    audit.record(
        action=Action.STATE,
        obj=holder,
        user=user,
        before={"api_token": f"{revoked}个有效令牌"},
        after={"api_token": f"新令牌 {token.prefix}…，有效期至 {token.expires_at:%Y-%m-%d}"},
        note=_("签发接口令牌"),
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, user, holder) -> int:
    require_office(user)
    revoked = ApiToken.objects.filter(user=holder, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        audit.record(
            action=Action.STATE,
            obj=holder,
            user=user,
            before={"api_token": f"{revoked}个有效令牌"},
            after={"api_token": "已吊销"},
            note=_("吊销接口令牌"),
        )
    return revoked


@transaction.atomic
def county_target_save(*, user, county, year: int, data: dict[str, Any]):
    """A county sets (or revises) its own job and tax targets for a year (任务12); the office may too."""
    require_county_target_editor(user, county)
    target = CountyTarget.objects.select_for_update().filter(county=county, year=year).first()
    before = audit.snapshot(target) if target else None
    target = target or CountyTarget(county=county, year=year)
    apply(target, data)
    target.set_by = user if user.is_authenticated else None
    return _save_validated(target, user=user, before=before)
