"""Factories of the special fund (funds): valid rows by default."""

from __future__ import annotations

from decimal import Decimal

import factory

from .registry import TownFactory, _day
from .workflows import CommendationFactory


class FundBudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "funds.FundBudget"
        django_get_or_create = ("year",)

    year = 2026
    amount_wan = Decimal("1000.00")
    document_title = factory.LazyAttribute(lambda o: f"关于下达{o.year}年度培育特色专业镇发展专项资金预算的通知")
    document_number = factory.LazyAttribute(lambda o: f"运财企〔{o.year}〕3号")
    document_date = _day


class BudgetAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "funds.BudgetAttachment"

    budget = factory.SubFactory(FundBudgetFactory)
    file = factory.django.FileField(filename="预算通知.pdf", data=b"%PDF-1.4\n%%EOF\n")
    original_name = "预算通知.pdf"
    size = 15
    content_type = "application/pdf"


class FundAllocationFactory(factory.django.DjangoModelFactory):
    """Support to a town (专业镇扶持), proposed (拟安排)."""

    class Meta:
        model = "funds.FundAllocation"

    budget = factory.SubFactory(FundBudgetFactory)
    kind = "town"
    town = factory.SubFactory(TownFactory)
    county = factory.SelfAttribute("town.county")
    amount_wan = Decimal("100.00")
    purpose = "innovation"
    description = "公共技术服务平台建设"


class RewardAllocationFactory(FundAllocationFactory):
    """A reward (表扬奖励) to the county of a commended town."""

    kind = "reward"
    commendation = factory.SubFactory(CommendationFactory)
    town = factory.SelfAttribute("commendation.town")
    county = factory.SelfAttribute("commendation.county")
    purpose = "reward"
    merit = "产值增速居全市专业镇首位"


class AllocationAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "funds.AllocationAttachment"

    allocation = factory.SubFactory(FundAllocationFactory)
    file = factory.django.FileField(filename="批复.pdf", data=b"%PDF-1.4\n%%EOF\n")
    original_name = "批复.pdf"
    size = 15
    content_type = "application/pdf"
