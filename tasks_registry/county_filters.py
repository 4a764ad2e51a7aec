"""Filters of the county documents and tasks, the same for the pages and the API."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from towns.models import County

from .county_models import CountyDocument, CountyTask


class CountyDocumentFilter(django_filters.FilterSet):
    county = django_filters.ModelChoiceFilter(
        queryset=County.objects.all(), label=_("县（市、区）"), empty_label=_("全部县（市、区）")
    )
    kind = django_filters.ChoiceFilter(choices=CountyDocument.Kind.choices, label=_("类别"), empty_label=_("全部类别"))
    status = django_filters.ChoiceFilter(
        choices=CountyDocument.Status.choices, label=_("状态"), empty_label=_("全部状态")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("标题或文号"))

    class Meta:
        model = CountyDocument
        fields = ["county", "kind", "status", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(number__icontains=value)) if value else queryset


class CountyTaskFilter(django_filters.FilterSet):
    county = django_filters.ModelChoiceFilter(
        queryset=County.objects.all(), label=_("县（市、区）"), empty_label=_("全部县（市、区）")
    )
    # a whole year within the programme's range: anything else is a 400 naming the filter, never a database error
    year = django_filters.NumberFilter(label=_("年度"), min_value=2000, max_value=2100, decimal_places=0)
    status = django_filters.ChoiceFilter(choices=CountyTask.Status.choices, label=_("状态"), empty_label=_("全部状态"))
    overdue = django_filters.ChoiceFilter(
        method="filter_overdue",
        label=_("已逾期"),
        empty_label=_("全部"),
        choices=[("true", _("已逾期")), ("false", _("未逾期"))],
    )

    class Meta:
        model = CountyTask
        fields = ["county", "year", "status", "overdue"]

    def filter_overdue(self, queryset, name, value):
        overdue = CountyTask.overdue_q(timezone.localdate())
        return (
            queryset.filter(overdue) if value == "true" else queryset.exclude(overdue) if value == "false" else queryset
        )
