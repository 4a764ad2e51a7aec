"""FilterSets shared by the pages, the exports and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import AuditEntry

from .models import County, Enterprise, Sector, Tier, Town


class TownFilter(django_filters.FilterSet):
    county = django_filters.ModelChoiceFilter(
        queryset=County.objects.all(), label=_("县（市、区）"), empty_label=_("全部县（市、区）")
    )
    sector = django_filters.ChoiceFilter(choices=Sector.choices, label=_("领域"), empty_label=_("全部领域"))
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("梯次"), empty_label=_("全部梯次"))
    search = django_filters.CharFilter(method="filter_search", label=_("名称或主导产业"))

    class Meta:
        model = Town
        fields = ["county", "sector", "tier", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(leading_industry__icontains=value))


class EnterpriseFilter(django_filters.FilterSet):
    county = django_filters.ModelChoiceFilter(
        field_name="town__county",
        queryset=County.objects.all(),
        label=_("县（市、区）"),
        empty_label=_("全部县（市、区）"),
    )
    town = django_filters.ModelChoiceFilter(
        queryset=Town.objects.select_related("county"), label=_("专业镇"), empty_label=_("全部专业镇")
    )
    role = django_filters.ChoiceFilter(
        choices=Enterprise.Role.choices, label=_("在镇中的角色"), empty_label=_("全部角色")
    )
    above_designated_size = django_filters.BooleanFilter(label=_("规上企业"))
    search = django_filters.CharFilter(method="filter_search", label=_("企业名称或信用代码"))

    class Meta:
        model = Enterprise
        fields = ["county", "town", "role", "above_designated_size", "search"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__icontains=value.upper()))


class AuditFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("对象、操作人或说明"))
    action = django_filters.ChoiceFilter(choices=AuditEntry.Action.choices, label=_("操作"), empty_label=_("全部操作"))
    model = django_filters.ChoiceFilter(
        field_name="content_type__model",
        label=_("对象类型"),
        empty_label=_("全部类型"),
        choices=[
            ("town", _("专业镇")),
            ("enterprise", _("企业")),
            ("townyearfigures", _("专业镇年度数据")),
            ("enterpriseyearfigures", _("企业年度数据")),
        ],
    )
    since = django_filters.DateFilter(field_name="timestamp__date", lookup_expr="gte", label=_("起始日期"))
    until = django_filters.DateFilter(field_name="timestamp__date", lookup_expr="lte", label=_("截止日期"))

    class Meta:
        model = AuditEntry
        fields = ["q", "action", "model", "since", "until"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(object_repr__icontains=value) | Q(username__icontains=value) | Q(note__icontains=value)
        )
