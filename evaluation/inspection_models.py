"""Special inspections (专项检查, 五、（四）"专业镇评定后，要组织开展专项检查，对存在的问题督查督办督导"):
the plan (towns, team, dates, checklist), findings per item and town, and the rectification they lead to
(the evaluation's 督办通知书, linked back to the inspection). Imported by :mod:`evaluation.models`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import StoredFile
from towns.models import Bureau, Town


class Inspection(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("计划中")
        IN_PROGRESS = "in_progress", _("检查中")
        FINDINGS_RECORDED = "findings_recorded", _("检查结束")
        RECTIFYING = "rectifying", _("整改中")
        CLOSED = "closed", _("已办结")

    class Origin(models.TextChoices):
        PLAN = "plan", _("年度计划")
        OBJECTION = "objection", _("公示异议")
        RECHECK = "recheck", _("年度评估复核")

    number = models.CharField(_("编号"), max_length=40, unique=True)
    title = models.CharField(_("检查名称"), max_length=120)
    origin = models.CharField(_("来源"), max_length=10, choices=Origin.choices, default=Origin.PLAN)
    objection = models.ForeignKey(
        "certification.Objection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所涉公示异议"),
    )
    run = models.ForeignKey(
        "evaluation.EvaluationRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("提出检查的年度评估"),
    )
    towns = models.ManyToManyField(Town, related_name="inspections", verbose_name=_("检查对象"))
    units = models.ManyToManyField(Bureau, blank=True, related_name="inspections", verbose_name=_("检查组成员单位"))
    experts = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="inspections", verbose_name=_("检查组专家")
    )
    starts_on = models.DateField(_("检查开始"), null=True, blank=True)
    ends_on = models.DateField(_("检查结束"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    conclusion = models.TextField(_("检查结论"), blank=True)
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_on__isnull=True)
                | models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="inspection_ends_after_start",
                violation_error_code="ends_on:order",
                violation_error_message=_("检查结束日期不能早于开始日期。"),
            ),
        ]
        verbose_name = _("专项检查")
        verbose_name_plural = _("专项检查")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class InspectionItem(models.Model):
    """One line of the checklist (检查事项), the same for every town of the inspection."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(_("检查事项"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["inspection", "sort_order", "id"]
        verbose_name = _("检查事项")
        verbose_name_plural = _("检查事项")

    def __str__(self) -> str:
        return self.title


class Finding(models.Model):
    """What the team found for one item in one town."""

    class Result(models.TextChoices):
        OK = "ok", _("符合要求")
        OBSERVATION = "observation", _("有问题，提醒注意")
        RECTIFY = "rectify", _("有问题，限期整改")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    item = models.ForeignKey(InspectionItem, on_delete=models.CASCADE, related_name="findings")
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="inspection_findings")
    result = models.CharField(_("检查结论"), max_length=12, choices=Result.choices)
    note = models.TextField(_("情况说明"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), auto_now=True)

    class Meta:
        ordering = ["inspection", "town", "item__sort_order", "item_id"]
        constraints = [models.UniqueConstraint(fields=["item", "town"], name="one_finding_per_item_town")]
        verbose_name = _("检查发现")
        verbose_name_plural = _("检查发现")

    def __str__(self) -> str:
        return f"{self.town} · {self.item}"

    @property
    def needs_action(self) -> bool:
        return self.result == self.Result.RECTIFY


class FindingAttachment(StoredFile):
    """A photo or document taken on site (images from a phone's camera are accepted)."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="attachments")

    class Meta:
        verbose_name = _("检查附件")
        verbose_name_plural = _("检查附件")

    def storage_dir(self) -> str:
        return f"inspections/{self.finding.inspection_id}"
