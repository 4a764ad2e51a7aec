"""Spreadsheet jobs (core.jobs_models): a finished import, an export ready to download."""

from __future__ import annotations

import factory
from django.core.files.base import ContentFile

from core.models import ExportJob, ImportJob
from towns.models import Role

from .registry import make_user

__all__ = ["ExportJobFactory", "ImportJobFactory"]


class ImportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportJob

    kind = "enterprises"
    user = factory.LazyFunction(lambda: make_user(Role.OFFICE))
    status = ImportJob.Status.FAILED
    original_name = "企业.xlsx"
    rows_total = rows_read = rows_checked = 1
    error_count = 1
    errors = factory.LazyFunction(lambda: [[2, "C列（统一社会信用代码）", "必填。"]])
    message = "发现 1 处错误，未导入任何数据。"


class ExportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExportJob

    kind = "enterprises"
    user = factory.LazyFunction(lambda: make_user(Role.OFFICE))
    status = ExportJob.Status.DONE
    filename = "专业镇企业名录"
    rows_total = rows_written = 1
    file = factory.LazyFunction(lambda: ContentFile(b"PK\x03\x04", name="专业镇企业名录.xlsx"))
