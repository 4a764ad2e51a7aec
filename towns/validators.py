"""Field validators for registry data."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# GB 32100-2015 统一社会信用代码: 18 characters from this 31-character alphabet
# (digits and upper-case letters without I, O, Z, S, V); the 18th is a check character.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters."""
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def normalise_credit_code(value: str) -> str:
    return (value or "").strip().upper()


def validate_credit_code(value: str) -> None:
    code = normalise_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为18位，当前为%(n)d位。"), code="credit_code_length", params={"n": len(code)}
        )
    bad = sorted({c for c in code if c not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符：%(chars)s（不使用I、O、Z、S、V）。"),
            code="credit_code_chars",
            params={"chars": "".join(bad)},
        )
    expected = credit_code_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _("统一社会信用代码校验位错误（按GB 32100-2015应为%(expected)s）。"),
            code="credit_code_check",
            params={"expected": expected},
        )


FIRST_FIGURE_YEAR = 2000
LAST_PROGRAMME_YEAR = 2100  # plans may look ahead; no page or record reaches beyond this


def is_programme_year(year: int) -> bool:
    """Whether a year asked for in a URL can concern the programme at all (else the page is not found)."""
    return FIRST_FIGURE_YEAR <= year <= LAST_PROGRAMME_YEAR


def validate_figure_year(value: int) -> None:
    this_year = timezone.localdate().year
    if value > this_year:
        raise ValidationError(
            _("年份%(year)s尚未到来，不能填报（最晚为%(this_year)s年）。"),
            code="future_year",
            params={"year": value, "this_year": this_year},
        )
    if value < FIRST_FIGURE_YEAR:
        raise ValidationError(
            _("年份不能早于%(first)s年。"), code="year_too_early", params={"first": FIRST_FIGURE_YEAR}
        )
