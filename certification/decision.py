"""The office's certification decision beyond the state change: the written rationale for every criterion the
office decides (三、二 relaxation, 三、三 national market), and the application's figures becoming the town's
yearly figures. Called by :func:`certification.services.application_certify` and by the application page."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.formats import format_wan
from towns import services as town_services
from towns.models import TownYearFigures

from . import engine
from .models import Application


def office_rationale(verdict: engine.Verdict, *, rationale: str = "", rationales: dict[str, str] | None = None) -> str:
    """The text kept as the application's 办公室研究意见, or a ValidationError.

    Every criterion the office decides needs a written rationale. ``rationales`` (criterion code -> text, as the
    certify form sends them) must cover each one; a caller that sends only ``rationale`` (one text) must still
    write one, and it is read as covering every criterion listed in the decision's note.
    """
    decided = verdict.office_decisions
    general = rationale.strip()
    if not decided:
        return general
    labels = "、".join(c.label for c in decided)
    if rationales is None:
        if not general:
            raise ValidationError(
                {
                    "rationale": _("该申请有需办公室研究决定的条件（%(labels)s），认定须写明研究意见。")
                    % {"labels": labels}
                }
            )
        return general
    missing = [c for c in decided if not (rationales.get(c.code) or "").strip()]
    if missing:
        raise ValidationError(
            {
                "rationale": _("以下条件由办公室研究决定，认定须逐项写明研究意见（放宽理由）：%(labels)s。")
                % {"labels": "、".join(c.label for c in missing)}
            }
        )
    lines = [f"{c.label}：{rationales[c.code].strip()}" for c in decided]
    return "\n".join([*lines, general] if general else lines)


def decision_note(verdict: engine.Verdict) -> str:
    """For the transition and the audit entry: which criteria the office decided."""
    decided = verdict.office_decisions
    if not decided:
        return ""
    return _("经办公室研究决定的条件：%(labels)s") % {"labels": "、".join(c.label for c in decided)}


# --- figures ---------------------------------------------------------------------------------------

FIGURES = (  # application field, town figures field, label
    ("annual_output_wan", "output_wan", gettext_lazy("年产值")),
    ("local_jobs", "local_jobs", gettext_lazy("带动当地就业（人）")),
    ("provincial_share_pct", "provincial_share_pct", gettext_lazy("全省市场占有率（%）")),
)


@dataclass(frozen=True)
class FigureDifference:
    label: str
    town_value: str
    application_value: str


def _display(field: str, value) -> str:
    if value is None:
        return _("未填报")
    if field == "annual_output_wan":
        return format_wan(value)
    if field == "provincial_share_pct":
        return f"{Decimal(value).normalize():f}%"
    return f"{value:,}"


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return Decimal(a) == Decimal(b)


def existing_figures(app: Application) -> TownYearFigures | None:
    if app.figures_year is None:
        return None
    return TownYearFigures.objects.filter(town_id=app.town_id, year=app.figures_year).first()


def figures_differences(app: Application) -> list[FigureDifference] | None:
    """Where the town's figures for the application's year differ from the application's; None if the town has
    none for that year (certifying will record the application's)."""
    figures = existing_figures(app)
    if figures is None:
        return None
    return [
        FigureDifference(str(label), _display(app_field, getattr(figures, town_field)), _display(app_field, value))
        for app_field, town_field, label in FIGURES
        if not _same(getattr(figures, town_field), value := getattr(app, app_field))
    ]


def carry_figures(*, user, app: Application) -> TownYearFigures | None:
    """On certification: the application's year of figures becomes the town's, unless the town already has that
    year (then the town's stay; the office saw the difference on the application page). Written through the
    registry's service, so it is validated and audited like any other figures."""
    if app.figures_year is None or app.annual_output_wan is None or app.local_jobs is None:
        return None
    if existing_figures(app) is not None:
        return None
    return town_services.town_figures_save(
        user=user,
        town=app.town,
        data={
            "year": app.figures_year,
            "output_wan": app.annual_output_wan,
            "local_jobs": app.local_jobs,
            "provincial_share_pct": app.provincial_share_pct,
        },
        note=_("依认定申请%(number)s") % {"number": app.number},
    )
