import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from towns.models import County

from .models import Application, Cycle


class ApplicationFilter(django_filters.FilterSet):
    cycle = django_filters.ModelChoiceFilter(
        queryset=Cycle.objects.all(), label=_("认定批次"), empty_label=_("全部批次")
    )
    status = django_filters.ChoiceFilter(choices=Application.Status.choices, label=_("状态"), empty_label=_("全部状态"))
    county = django_filters.ModelChoiceFilter(
        queryset=County.objects.all(), label=_("县（市、区）"), empty_label=_("全部县（市、区）")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("编号或专业镇"))

    class Meta:
        model = Application
        fields = ["cycle", "status", "county", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(number__icontains=value) | Q(town__name__icontains=value)) if value else queryset
