"""The fund on other pages: amounts in 万元, and a commendation's reward on the evaluation page.

The evaluation page shows a commendation's reward without the evaluation app importing the fund (funds sits above
it): the template loads this library, which reads through the fund's selector, so each user sees only the rewards
funds.permissions lets them (a county its own; a bureau reading the totals only, none)."""

from django import template

from core.formats import format_wan
from funds import selectors

register = template.Library()


@register.filter
def wan(value) -> str:
    """``{{ amount|wan }}``: 8,500万元, 1.2亿元 (core.formats.format_wan)."""
    return format_wan(value)


@register.simple_tag(takes_context=True)
def commendation_rewards(context, commendations) -> list:
    """``{% commendation_rewards commendations as rows %}``: (commendation, [its rewards the user may see]) pairs,
    in one query."""
    commendations = list(commendations)
    rewards = selectors.rewards_of(user=context["request"].user, commendations=commendations)
    return [(c, rewards.get(c.pk, [])) for c in commendations]
