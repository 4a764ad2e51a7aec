"""The counties' own mechanisms (五、"各县（市、区）参照建立本级工作机制"): their policy documents (一镇一策, 培育方案,
the towns' 中长期规划) and their own tasks with progress reports. With the key-project library they make the
county's "三个清单" (tasks, projects, policies)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import StoredFile
from towns.models import County, Town

ZERO, HUNDRED = Decimal("0"), Decimal("100")


class CountyDocument(models.Model):
    """A county's policy document: a 一镇一策 policy, its 培育方案, or a town's 中长期规划.

    Drafted by the county and seen only by it; once published (with its number, date and issuing body) every
    programme member reads it; a published document is never edited, only repealed (废止)."""

    class Kind(models.TextChoices):
        TOWN_POLICY = "town_policy", _("一镇一策扶持政策")
        CULTIVATION_PLAN = "cultivation_plan", _("培育方案")
        LONG_TERM_PLAN = "long_term_plan", _("特色产业发展中长期规划")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PUBLISHED = "published", _("已发布")
        REPEALED = "repealed", _("已废止")

    # A 一镇一策 policy and a 中长期规划 are a town's (五、"一镇一策"; "指导专业镇编制…中长期规划"); a 培育方案 may be
    # county-wide ("其他县（市）…制定出台培育方案").
    KINDS_NAMING_TOWNS = (Kind.TOWN_POLICY, Kind.LONG_TERM_PLAN)

    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="documents", verbose_name=_("县（市、区）")
    )
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("文件标题"), max_length=120)
    number = models.CharField(_("文号"), max_length=60, blank=True, help_text=_("如 万政办发〔2023〕15号"))
    issued_on = models.DateField(_("印发日期"), null=True, blank=True)
    issuer = models.CharField(_("发文机关"), max_length=80, blank=True, help_text=_("如 万荣县人民政府办公室"))
    summary = models.TextField(_("主要内容"), blank=True)
    towns = models.ManyToManyField(Town, blank=True, related_name="county_documents", verbose_name=_("适用专业镇"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    repealed_on = models.DateField(_("废止日期"), null=True, blank=True)
    repeal_reason = models.CharField(_("废止说明"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["county__sort_order", "kind", "-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "number"],
                condition=~Q(number=""),
                name="county_document_number_once",
                violation_error_message=_("本县（市、区）已登记过该文号的文件。"),
                violation_error_code="number:duplicate",
            ),
        ]
        verbose_name = _("县级政策文件")
        verbose_name_plural = _("县级政策文件")

    def __str__(self) -> str:
        return f"{self.title}（{self.number}）" if self.number else self.title


class CountyDocumentAttachment(StoredFile):
    document = models.ForeignKey(CountyDocument, on_delete=models.CASCADE, related_name="attachments")

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("县级政策文件附件")
        verbose_name_plural = _("县级政策文件附件")

    def storage_dir(self) -> str:
        return f"county-documents/{self.document_id}"


class CountyTask(models.Model):
    """A county's own task (任务清单): what, who is responsible (责任单位/责任人), by when; reported on by quarter
    like the city's 12 tasks."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("未启动")
        IN_PROGRESS = "in_progress", _("推进中")
        DONE = "done", _("已完成")

    county = models.ForeignKey(County, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("县（市、区）"))
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)], db_index=True
    )
    title = models.CharField(_("任务"), max_length=120)
    content = models.TextField(_("任务内容"), blank=True)
    city_task = models.ForeignKey(
        "tasks_registry.Task",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="county_tasks",
        verbose_name=_("对应市级重点任务"),
    )
    towns = models.ManyToManyField(Town, blank=True, related_name="county_tasks", verbose_name=_("涉及专业镇"))
    owner_unit = models.CharField(_("责任单位"), max_length=80)
    owner_person = models.CharField(_("责任人"), max_length=40, blank=True)
    deadline = models.DateField(_("完成时限"))
    # Kept by the report service from the latest period's report (the only writer): lists count and filter on it.
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED, db_index=True
    )
    progress_pct = models.DecimalField(
        _("完成进度（%）"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)],
    )
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("登记人")
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["county__sort_order", "-year", "deadline", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "year", "title"],
                name="county_task_unique_title",
                violation_error_message=_("本县（市、区）本年度已有同名任务。"),
                violation_error_code="title:duplicate",
            ),
            models.CheckConstraint(
                condition=Q(progress_pct__isnull=True) | Q(progress_pct__gte=0, progress_pct__lte=100),
                name="county_task_progress_range",
            ),
        ]
        verbose_name = _("县级任务")
        verbose_name_plural = _("县级任务清单")

    def __str__(self) -> str:
        return f"{self.county} {self.year} {self.title}"

    # "Overdue" is defined here once, like the problem ledger's: past its deadline and not done. The county's page,
    # the office's comparison, the filters and the API all use it.
    @classmethod
    def overdue_q(cls, today: datetime.date) -> Q:
        return Q(deadline__lt=today) & ~Q(status=cls.Status.DONE)

    def is_overdue(self, today: datetime.date) -> bool:
        return self.deadline < today and self.status != self.Status.DONE

    @property
    def overdue(self) -> bool:
        return self.is_overdue(timezone.localdate())


class CountyTaskReport(models.Model):
    """The county's report on one of its tasks for a quarter (the city's period codes, e.g. 2026-Q3)."""

    task = models.ForeignKey(CountyTask, on_delete=models.CASCADE, related_name="reports", verbose_name=_("任务"))
    period = models.CharField(_("报送期"), max_length=8, help_text=_("如 2026-Q3"))
    progress_pct = models.DecimalField(
        _("完成进度（%）"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)],
    )
    narrative = models.TextField(_("工作进展"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("报送人")
    )
    submitted_at = models.DateTimeField(_("报送时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-period", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "period"],
                name="county_task_report_once_per_period",
                violation_error_message=_("该任务本期已报送，请修改已有报告。"),
                violation_error_code="period:duplicate",
            ),
            models.CheckConstraint(
                condition=Q(progress_pct__gte=0, progress_pct__lte=100), name="county_task_report_progress_range"
            ),
        ]
        verbose_name = _("县级任务进展")
        verbose_name_plural = _("县级任务进展")

    def __str__(self) -> str:
        return f"{self.task.title} {self.period}"


class CountyTaskReportAttachment(StoredFile):
    report = models.ForeignKey(CountyTaskReport, on_delete=models.CASCADE, related_name="attachments")

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("县级任务进展附件")
        verbose_name_plural = _("县级任务进展附件")

    def storage_dir(self) -> str:
        return f"county-task-reports/{self.report_id}"
