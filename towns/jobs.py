"""The registry's spreadsheet jobs (core.jobs): the enterprise import, and the enterprise list's two exports."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import jobs
from core.spreadsheets import ImportReport

from . import exports, services
from .filters import enterprise_filterset
from .permissions import require_registry_editor


def _import_summary(report: ImportReport) -> str:
    return _(
        "导入成功：共%(rows)d行；新增企业%(created)d家，更新%(updated)d家；新增年度数据%(fc)d条，更新%(fu)d条。"
    ) % {
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "fc": report.figures_created,
        "fu": report.figures_updated,
    }


def _latest_rows(*, user, query):
    return _Rows(enterprise_filterset(user=user, data=query).qs, exports.latest_year_rows)


def _every_year_rows(*, user, query):
    return _Rows(enterprise_filterset(user=user, data=query).qs, exports.every_year_rows)


class _Rows:
    """The rows of an export job, and how many enterprises they cover (for its progress bar)."""

    def __init__(self, queryset, rows):
        self.queryset, self.rows = queryset, rows

    def count(self) -> int:
        return self.queryset.count()

    def __iter__(self):
        return iter(self.rows(self.queryset))


def register() -> None:
    jobs.register_import(
        "enterprises",
        jobs.ImportKind(
            title=gettext_lazy("企业及年度数据导入"),
            run=services.enterprise_import,
            allowed=require_registry_editor,
            start_url="enterprise-import",
            done_url="enterprise-list",
            summary=_import_summary,
        ),
    )
    for kind, title, rows in (
        ("enterprises", gettext_lazy("企业名录（最新年度）"), _latest_rows),
        ("enterprise-years", gettext_lazy("企业年度数据（全部年度）"), _every_year_rows),
    ):
        jobs.register_export(
            kind,
            jobs.ExportKind(
                title=title,
                rows=rows,
                columns=exports.ENTERPRISE_COLUMNS,
                sheet_title="企业",
                list_url="enterprise-list",
            ),
        )
