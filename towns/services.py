"""Every write to the registry. Keyword-only, atomic, scope-checked, audited."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.db.models.deletion import Collector
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import audit, bulk, spreadsheets
from core.errors import ActionNotAllowed
from core.jobs import ImportCancelled, NoProgress, Progress
from core.labels import choice_label
from core.models import ApiToken, AuditEntry
from core.notify import notify
from core.services import apply, validate
from core.sheet_reader import read_rows
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
    office_users,
    require_county_target_editor,
    require_office,
    require_registry_editor,
    require_town_in_scope,
    role_of,
)
from .selectors import editable_towns
from .validators import FIRST_FIGURE_YEAR, LAST_PROGRAMME_YEAR, validate_figure_year

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


ENTERPRISE_IN_APPLICATION = gettext_lazy("该企业已列入认定申请，不能删除；可修改其信息或在申请中移除后再删除。")


def enterprise_delete_check(*, user, enterprise: Enterprise) -> None:
    """What :func:`enterprise_delete` would refuse, asked before the user is asked to confirm: an enterprise that
    something protects (an application naming it) cannot be deleted."""
    require_registry_editor(user)
    require_town_in_scope(user, enterprise.town)
    collector = Collector(using="default")
    try:
        collector.collect([enterprise])
    except ProtectedError:
        raise ActionNotAllowed(ENTERPRISE_IN_APPLICATION) from None


@transaction.atomic
def enterprise_delete(*, user, enterprise: Enterprise) -> None:
    require_registry_editor(user)
    require_town_in_scope(user, enterprise.town)
    audit.record(action=Action.DELETE, obj=enterprise, user=user, before=audit.snapshot(enterprise), after={})
    try:
        with transaction.atomic():
            enterprise.delete()
    except ProtectedError:
        raise ActionNotAllowed(ENTERPRISE_IN_APPLICATION) from None


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


def _tier_date_errors(town: Town, effective_date: datetime.date) -> str | None:
    """Dates a tier change may take: not before the town's present tier took effect (the history would run out of
    order), and within the programme's years; a date after today makes it a scheduled change."""
    if not FIRST_FIGURE_YEAR <= effective_date.year <= LAST_PROGRAMME_YEAR:
        return _("生效日期应在%(a)d年至%(b)d年之间。") % {"a": FIRST_FIGURE_YEAR, "b": LAST_PROGRAMME_YEAR}
    if town.tier_since and effective_date < town.tier_since:
        return _("生效日期不能早于该镇现梯次（%(tier)s）的认定日期%(date)s。") % {
            "tier": Tier(town.tier).label,
            "date": town.tier_since.isoformat(),
        }
    return None


def tier_change_validate(*, town: Town, to_tier: str, effective_date: datetime.date) -> bool:
    """What :func:`town_change_tier` refuses, checked before the office is asked to confirm: the date (see above),
    the tier the town already has, and a second scheduled change while one is pending."""
    errors: dict[str, str] = {}
    if error := _tier_date_errors(town, effective_date):
        errors["effective_date"] = error
    elif effective_date > timezone.localdate() and town.tier_changes.scheduled().exists():
        errors["effective_date"] = _("该专业镇已有一项计划生效的梯次变更，请先撤回后再登记。")
    if to_tier == town.tier:
        errors["to_tier"] = _("该专业镇已是%(tier)s。") % {"tier": Tier(to_tier).label}
    if errors:
        raise ValidationError(errors)
    return True


@transaction.atomic
def town_change_tier(
    *, user, town: Town, to_tier: str, effective_date: datetime.date, source: str, direct: bool = False
) -> TownTierChange:
    """A state change of the town's tier; kept as a TownTierChange row and in the audit trail.

    Dated today or earlier it takes effect now. Dated after today it is a *scheduled* change: stored and shown
    (计划于…生效) while the town keeps its tier, so nothing counts it before its day (dashboards, the API, filters
    all read the town's tier); the daily job applies it then (:func:`tier_changes_apply_due`). ``direct``: entered
    on the office's tier-change page (such a change can be withdrawn the same day, see :func:`tier_change_withdraw`).
    """
    require_office(user)
    town = Town.objects.select_for_update().get(pk=town.pk)
    if error := _tier_date_errors(town, effective_date):
        raise ValidationError({"effective_date": error})
    scheduled = effective_date > timezone.localdate()
    change = TownTierChange(
        town=town,
        from_tier=town.tier,
        from_since=town.tier_since,
        to_tier=to_tier,
        effective_date=effective_date,
        source=source,
        status=TownTierChange.Status.SCHEDULED if scheduled else TownTierChange.Status.IN_FORCE,
        direct=direct,
        recorded_by=user if user.is_authenticated else None,
    )
    validate(change)
    change.save()
    if scheduled:
        audit.record(
            action=Action.UPDATE,
            obj=town,
            user=user,
            before={"scheduled_tier": None},
            after={"scheduled_tier": _scheduled_text(change)},
            note=source,
        )
        return change
    _apply_tier(town, change, user=user, note=source)
    return change


def _scheduled_text(change: TownTierChange) -> str:
    return _("计划于%(date)s生效：%(from)s → %(to)s") % {
        "date": change.effective_date.isoformat(),
        "from": change.get_from_tier_display() or "—",
        "to": change.get_to_tier_display(),
    }


def _apply_tier(town: Town, change: TownTierChange, *, user, note: str) -> None:
    before = audit.snapshot(town)
    town.tier, town.tier_since = change.to_tier, change.effective_date
    town.full_clean()
    town.save(update_fields=["tier", "tier_since"])
    audit.record(action=Action.STATE, obj=town, user=user, before=before, note=note[:300])


def tier_change_withdrawable(change: TownTierChange, today: datetime.date | None = None) -> bool:
    """Whether the office may still withdraw a change: a scheduled one until its day; one entered directly (on the
    tier-change page) and in force, on the day it was entered, if it is still the town's latest change. A change that
    follows from a certificate, a revocation or the province's designation is undone by that workflow instead."""
    today = today or timezone.localdate()
    if change.status == TownTierChange.Status.SCHEDULED:
        return True
    if change.status != TownTierChange.Status.IN_FORCE or not change.direct:
        return False
    if timezone.localdate(change.recorded_at) != today:
        return False
    latest = change.town.tier_changes.in_force().order_by("-effective_date", "-id").first()
    return latest is not None and latest.pk == change.pk


@transaction.atomic
def tier_change_withdraw(*, user, change: TownTierChange, reason: str) -> TownTierChange:
    """Withdraw a scheduled change, or undo a change entered today: the town returns to the tier (and date) it had
    before. The change stays on file, marked withdrawn, with who, when and why."""
    require_office(user)
    if not reason.strip():
        raise ValidationError({"reason": _("撤回须写明理由。")})
    town = Town.objects.select_for_update().get(pk=change.town_id)
    change = TownTierChange.objects.select_for_update().get(pk=change.pk)
    change.town = town
    if not tier_change_withdrawable(change):
        raise ActionNotAllowed(
            _("只能撤回尚未生效的计划变更，或当日直接登记、且仍是该镇最近一次的梯次变更。")
            if change.status != TownTierChange.Status.WITHDRAWN
            else _("该梯次变更已撤回。")
        )
    was_scheduled = change.status == TownTierChange.Status.SCHEDULED
    change.status = TownTierChange.Status.WITHDRAWN
    change.withdrawn_at, change.withdrawn_by, change.withdraw_reason = timezone.now(), user, reason.strip()[:300]
    change.save(update_fields=["status", "withdrawn_at", "withdrawn_by", "withdraw_reason"])
    note = _("撤回梯次变更（%(change)s）：%(reason)s") % {
        "change": _scheduled_text(change)
        if was_scheduled
        else f"{change.get_from_tier_display() or '—'} → "
        f"{change.get_to_tier_display()}，{change.effective_date.isoformat()}生效",
        "reason": reason.strip(),
    }
    if was_scheduled:
        audit.record(
            action=Action.UPDATE,
            obj=town,
            user=user,
            before={"scheduled_tier": _scheduled_text(change)},
            after={"scheduled_tier": None},
            note=note,
        )
        return change
    before = audit.snapshot(town)
    town.tier, town.tier_since = change.from_tier or Tier.POTENTIAL, change.from_since
    town.save(update_fields=["tier", "tier_since"])
    audit.record(action=Action.STATE, obj=town, user=user, before=before, note=note[:300])
    return change


@transaction.atomic
def tier_changes_apply_due(*, today: datetime.date) -> dict[str, int]:
    """Daily: scheduled tier changes whose day has come take effect (from the town's tier on that day). Idempotent:
    an applied change is in force and not looked at again; a day missed is caught up the next run."""
    applied = 0
    for change in TownTierChange.objects.scheduled().filter(effective_date__lte=today).order_by("effective_date", "pk"):
        town = Town.objects.select_for_update().get(pk=change.town_id)
        change = TownTierChange.objects.select_for_update().get(pk=change.pk)
        if change.status != TownTierChange.Status.SCHEDULED:
            continue  # withdrawn meanwhile
        if town.tier == change.to_tier:  # the town reached that tier another way before the day came
            change.status, change.withdrawn_at = TownTierChange.Status.WITHDRAWN, timezone.now()
            change.withdraw_reason = _("到生效日时该镇已是%(tier)s，无需变更。") % {"tier": Tier(town.tier).label}
            change.save(update_fields=["status", "withdrawn_at", "withdraw_reason"])
            continue
        change.from_tier, change.from_since, change.status = town.tier, town.tier_since, TownTierChange.Status.IN_FORCE
        change.save(update_fields=["from_tier", "from_since", "status"])
        _apply_tier(town, change, user=None, note=_("计划变更到期生效：%(source)s") % {"source": change.source})
        notify(
            office_users(),
            _("%(town)s梯次已按计划于%(date)s变更为%(tier)s。")
            % {"town": town.name, "date": change.effective_date.isoformat(), "tier": change.get_to_tier_display()},
            reverse("town-detail", kwargs={"pk": town.pk}),
        )
        applied += 1
    return {"tier_changes_applied": applied}


IMPORT_BATCH_ROWS = 2000


def enterprise_import(*, user, upload, progress: Progress | None = None) -> ImportReport:
    """Import enterprises and their yearly figures from a table (.xlsx, .xls, .ods, .csv): all rows or nothing.

    Raises SpreadsheetRejected for a file that cannot be read at all; otherwise returns a report
    whose ``errors`` list every wrong cell by row and column (and then nothing was saved). Raises
    ImportCancelled (nothing saved) if the job is cancelled meanwhile.

    The file streams through in batches: each batch is read, checked and (while no row has failed)
    written, all in one transaction that is rolled back if any row of the file is wrong. Memory stays
    flat whatever the number of rows, and nobody ever sees half a file. ``progress`` (core.jobs) hears
    of every batch: rows read, checked and written, and the errors found in it.
    """
    require_registry_editor(user)
    progress = progress or NoProgress()
    towns = {t.name: t for t in editable_towns(user=user)}
    report = ImportReport()
    checks = importers.ImportChecks(towns=towns)
    written: dict[str, tuple[int, str]] = {}  # credit code -> (enterprise pk, name), for later rows of the code
    created: set[int] = set()  # enterprises this import created (no figures to look up for them)
    try:
        with transaction.atomic():
            rows = read_rows(upload, importers.ENTERPRISE_COLUMNS)
            progress.total(rows.total)
            stream = iter(rows)
            while batch := list(itertools.islice(stream, IMPORT_BATCH_ROWS)):
                report.rows += len(batch)
                progress.advance(read=len(batch))
                found = len(report.errors)
                passed = checks.check_batch(batch, report)
                progress.advance(checked=len(batch), errors=report.errors[found:])
                if not report.errors:
                    _write_import_batch(user=user, rows=passed, written=written, created=created, report=report)
                    progress.advance(written=len(batch))
                if progress.cancelled():
                    raise ImportCancelled
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


def _write_import_batch(
    *, user, rows: list[importers.ParsedRow], written: dict[str, tuple[int, str]], created: set[int], report
) -> None:
    """Write one checked batch: its enterprises, their figures and the audit entries.

    New rows go in with core.bulk.insert (COPY on PostgreSQL) with their audit entries built from plain values
    (the same snapshot audit.snapshot takes, tests/towns/test_import_export.py checks it); changed rows go
    through the ORM's bulk_update, audited as every update is. ``written`` maps each credit code of the file
    to its enterprise (pk, name) for later rows; ``created`` holds the pks this import created.
    """
    note = _("Excel 批量导入")
    new_enterprises: list[dict[str, Any]] = []
    to_update: list[tuple[Enterprise, audit.Snapshot]] = []
    for row in rows:
        if not row.first:
            continue  # a further year of an enterprise: its registry fields come from its first row
        data, current = row.enterprise, row.existing
        if current is None:
            new_enterprises.append(
                {
                    "town_id": data["town"].pk,
                    "name": data["name"],
                    "credit_code": data["credit_code"],
                    "role": data["role"],
                    "above_designated_size": data["above_designated_size"],
                    "main_products": data["main_products"],
                }
            )
            continue
        before = audit.snapshot(current)
        apply(current, data)
        if audit.diff(before, audit.snapshot(current)):
            to_update.append((current, before))
        else:
            report.unchanged += 1
        written[current.credit_code] = (current.pk, current.name)
    ids = bulk.insert(Enterprise, new_enterprises, with_ids=True)
    created.update(ids)
    towns = {row.enterprise["town"].pk: row.enterprise["town"].name for row in rows if row.first}
    for values in new_enterprises:
        written[values["credit_code"]] = (values["id"], values["name"])
    Enterprise.objects.bulk_update(
        [e for e, _ in to_update],
        ["town", "name", "credit_code", "role", "above_designated_size", "main_products"],
        batch_size=IMPORT_BATCH_ROWS,
    )
    entries = [audit.build(action=Action.UPDATE, obj=e, user=user, before=b, note=note) for e, b in to_update]
    labels: dict[str, str] = {}
    enterprise_entries = audit.creation_rows(
        model=Enterprise,
        user=user,
        note=note,
        items=[
            (v["id"], v["name"], _enterprise_snapshot(v, towns[v["town_id"]], labels), v["town_id"])
            for v in new_enterprises
        ],
    )
    report.created += len(new_enterprises)
    report.updated += len(to_update)

    # Figures: those of enterprises this import created are all new; the others may exist already.
    wanted = [(written[row.enterprise["credit_code"]], row.figures) for row in rows if row.figures]
    older = {pk for (pk, _name), _values in wanted if pk not in created}
    existing = {}
    if older:
        existing = {
            (f.enterprise_id, f.year): f
            for f in EnterpriseYearFigures.objects.filter(
                enterprise_id__in=older, year__in={v["year"] for _, v in wanted}
            ).select_related("enterprise")
        }
    new_figures, changed_figures = [], []
    for (pk, name), values in wanted:
        current = existing.get((pk, values["year"]))
        if current is None:
            new_figures.append(({"enterprise_id": pk, **values}, name))
            continue
        before = audit.snapshot(current)
        apply(current, values)
        if audit.diff(before, audit.snapshot(current)):
            changed_figures.append((current, before))
    bulk.insert(EnterpriseYearFigures, [f for f, _ in new_figures], with_ids=True)
    EnterpriseYearFigures.objects.bulk_update(
        [f for f, _ in changed_figures], list(EnterpriseYearFigures.FIGURE_FIELDS), batch_size=IMPORT_BATCH_ROWS
    )
    figure_entries = audit.creation_rows(
        model=EnterpriseYearFigures,
        user=user,
        note=note,
        items=[
            (f["id"], f"{name} {f['year']}", _figures_snapshot(f, name), f["enterprise_id"]) for f, name in new_figures
        ],
    )
    entries += [audit.build(action=Action.UPDATE, obj=f, user=user, before=b, note=note) for f, b in changed_figures]
    report.figures_created += len(new_figures)
    report.figures_updated += len(changed_figures)
    for shared, new_entries in (enterprise_entries, figure_entries):
        bulk.insert(AuditEntry, new_entries, constants=shared)
    audit.record_many(entries)


_ROLE_FIELD = Enterprise._meta.get_field("role")


def _enterprise_snapshot(values: dict[str, Any], town_name: str, labels: dict[str, str]) -> audit.Snapshot:
    """audit.snapshot of the enterprise these values make, without building it (``labels``: role labels so far)."""
    role = values["role"]
    if role not in labels:
        labels[role] = str(choice_label(_ROLE_FIELD, role)) if role else role
    return {
        "town": town_name,
        "name": values["name"],
        "credit_code": values["credit_code"],
        "role": labels[role],
        "above_designated_size": "是" if values["above_designated_size"] else "否",
        "main_products": values["main_products"],
    }


def _figures_snapshot(values: dict[str, Any], enterprise_name: str) -> audit.Snapshot:
    snapshot = {key: audit.jsonable(values[key]) for key in ("year", *EnterpriseYearFigures.FIGURE_FIELDS)}
    snapshot["enterprise"] = enterprise_name
    return snapshot


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
