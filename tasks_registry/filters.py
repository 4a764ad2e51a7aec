import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from towns.models import Bureau, County, Town

from .models import KeyProject, Problem, Task


class ProblemFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Problem.Status.choices, label=_("状态"), empty_label=_("全部状态"))
    overdue = django_filters.ChoiceFilter(
        method="filter_overdue",
        label=_("已超期"),
        empty_label=_("全部"),
        choices=[("true", _("已超期")), ("false", _("未超期"))],
    )
    task = django_filters.ModelChoiceFilter(queryset=Task.objects.all(), label=_("任务"), empty_label=_("全部任务"))
    town = django_filters.ModelChoiceFilter(queryset=Town.objects.all(), label=_("专业镇"), empty_label=_("全部专业镇"))
    responsible_bureau = django_filters.ModelChoiceFilter(
        queryset=Bureau.objects.all(), label=_("责任单位"), empty_label=_("全部单位")
    )
    responsible_county = django_filters.ModelChoiceFilter(
        queryset=County.objects.all(), label=_("责任县（市、区）"), empty_label=_("全部县（市、区）")
    )
    search = django_filters.CharFilter(method="filter_search", label=_("编号或问题"))

    class Meta:
        model = Problem
        fields = ["status", "overdue", "task", "town", "responsible_bureau", "responsible_county", "search"]

    def filter_overdue(self, queryset, name, value):
        overdue = Problem.overdue_q(timezone.localdate())
        return (
            queryset.filter(overdue) if value == "true" else queryset.exclude(overdue) if value == "false" else queryset
        )

    def filter_search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(number__icontains=value) | Q(title__icontains=value)) if value else queryset


class ProjectFilter(django_filters.FilterSet):
    county = django_filters.ModelChoiceFilter(
        field_name="town__county",
        queryset=County.objects.all(),
        label=_("县（市、区）"),
        empty_label=_("全部县（市、区）"),
    )
    town = django_filters.ModelChoiceFilter(queryset=Town.objects.all(), label=_("专业镇"), empty_label=_("全部专业镇"))
    stage = django_filters.ChoiceFilter(choices=KeyProject.Stage.choices, label=_("阶段"), empty_label=_("全部阶段"))
    search = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("项目名称"))

    class Meta:
        model = KeyProject
        fields = ["county", "town", "stage", "search"]
