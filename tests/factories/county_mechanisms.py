"""Factories of the counties' mechanisms (documents, tasks, reports): valid rows by default."""

from __future__ import annotations

from decimal import Decimal

import factory

from .registry import CountyFactory, _day


class CountyDocumentFactory(factory.django.DjangoModelFactory):
    """A draft 一镇一策 policy; ``status="published"`` with number, date and issuer for a published one."""

    class Meta:
        model = "tasks_registry.CountyDocument"

    county = factory.SubFactory(CountyFactory)
    kind = "town_policy"
    title = factory.Sequence(lambda n: f"支持专业镇发展的若干措施{n}")
    number = factory.Sequence(lambda n: f"测政办发〔2026〕{n + 1}号")
    issued_on = _day
    issuer = "测试县人民政府办公室"
    summary = "厂房租金补贴、技术中心建设支持。"


class CountyDocumentAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks_registry.CountyDocumentAttachment"

    document = factory.SubFactory(CountyDocumentFactory)
    file = factory.django.FileField(filename="政策.pdf", data=b"%PDF-1.4\n%%EOF\n")
    original_name = "政策.pdf"
    size = 15
    content_type = "application/pdf"


class CountyTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks_registry.CountyTask"

    county = factory.SubFactory(CountyFactory)
    year = 2026
    title = factory.Sequence(lambda n: f"县级任务{n}")
    owner_unit = "县工信局"
    owner_person = "县工信局局长"
    deadline = factory.LazyFunction(lambda: __import__("datetime").date(2026, 12, 31))


class CountyTaskReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks_registry.CountyTaskReport"

    task = factory.SubFactory(CountyTaskFactory)
    period = factory.Sequence(lambda n: f"{2026 + n // 4}-Q{n % 4 + 1}")
    progress_pct = Decimal("40")
    narrative = "按计划推进"


class CountyTaskReportAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks_registry.CountyTaskReportAttachment"

    report = factory.SubFactory(CountyTaskReportFactory)
    file = factory.django.FileField(filename="进展.pdf", data=b"%PDF-1.4\n%%EOF\n")
    original_name = "进展.pdf"
    size = 15
    content_type = "application/pdf"
