import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from towns.models import County
from towns.validators import FIRST_FIGURE_YEAR, LAST_PROGRAMME_YEAR

from .models import FundAllocation


class YearFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField  # a year is a whole number (2026.5 is a 400, not 2026)


class AllocationFilter(django_filters.FilterSet):
    """The allocations list's filters: the same for the page, its export and the API."""

    year = YearFilter(
        field_name="budget__year", label=_("年度"), min_value=FIRST_FIGURE_YEAR, max_value=LAST_PROGRAMME_YEAR
    )
    county = django_filters.ModelChoiceFilter(
        queryset=County.objects.all(), label=_("县（市、区）"), empty_label=_("全部县（市、区）")
    )
    kind = django_filters.ChoiceFilter(choices=FundAllocation.Kind.choices, label=_("类别"), empty_label=_("全部类别"))
    purpose = django_filters.ChoiceFilter(
        choices=FundAllocation.Purpose.choices, label=_("用途"), empty_label=_("全部用途")
    )
    status = django_filters.ChoiceFilter(
        choices=FundAllocation.Status.choices, label=_("状态"), empty_label=_("全部状态")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("文号、专业镇或项目"))

    class Meta:
        model = FundAllocation
        fields = ["year", "county", "kind", "purpose", "status", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(document_number__icontains=value)
            | Q(town__name__icontains=value)
            | Q(project__name__icontains=value)
            | Q(description__icontains=value)
        )
