"""Numbers as Chinese statistics write them. Amounts are stored in 万元; one formatter prints them everywhere."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from django.utils.translation import gettext as _

WAN_PER_YI = Decimal("10000")  # 1亿元 = 10,000万元


def _plain(value: Decimal, grouping: bool) -> str:
    value = value.quantize(Decimal("0.01"), rounding=ROUND_DOWN).normalize()
    return format(value, ",f" if grouping else "f")


def format_wan(value: Decimal | None) -> str:
    """12.3亿元 from 123000 万元; below 1亿元 in 万元 (8,500万元).

    Truncated, not rounded, so that a figure just below a threshold never displays as the threshold
    (99.999亿元 is shown as 99.99亿元, not 100亿元, beside “未突破百亿元”).
    """
    if value is None:
        return "—"
    value = Decimal(value)
    if abs(value) >= WAN_PER_YI:
        return _("%(n)s亿元") % {"n": _plain(value / WAN_PER_YI, grouping=True)}
    return _("%(n)s万元") % {"n": _plain(value, grouping=True)}
