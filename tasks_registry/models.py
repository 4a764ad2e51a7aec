"""The 12-task responsibility board (四、重点任务), progress reports, the problem ledger (问题台账) and
the key-project library (重点项目库)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import StoredFile
from towns.models import Bureau, County, Enterprise, Town

# The counties' own mechanisms live in their own module; imported here, they belong to the app (re-exported).
from .county_models import CountyDocument as CountyDocument
from .county_models import CountyDocumentAttachment as CountyDocumentAttachment
from .county_models import CountyTask as CountyTask
from .county_models import CountyTaskReport as CountyTaskReport
from .county_models import CountyTaskReportAttachment as CountyTaskReportAttachment

ZERO, HUNDRED = Decimal("0"), Decimal("100")


class Theme(models.TextChoices):
    YIN = "引", _("聚焦“引”字，加快专业镇集群成链")
    ZHUAN = "专", _("聚焦“专”字，打造专业镇知名品牌")
    YOU = "优", _("聚焦“优”字，强化专业镇要素保障")
    XIAO = "效", _("聚焦“效”字，激发专业镇发展活力")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    ON_TRACK = "on_track", _("正常推进")
    BEHIND = "behind", _("滞后")
    DONE = "done", _("已完成")


class Task(models.Model):
    class Period(models.TextChoices):
        MONTHLY = "monthly", _("按月报送")
        QUARTERLY = "quarterly", _("按季度报送")

    number = models.PositiveSmallIntegerField(_("序号"), unique=True)
    theme = models.CharField(_("主题"), max_length=1, choices=Theme.choices)
    title = models.CharField(_("任务"), max_length=60)
    text = models.TextField(_("任务内容"))
    responsibility = models.CharField(_("责任分工（原文）"), max_length=300)
    counties_support = models.BooleanField(_("各县（市、区）人民政府按职责分工负责"), default=True)
    reporting_period = models.CharField(_("报送周期"), max_length=10, choices=Period.choices, default=Period.QUARTERLY)
    report_due_days = models.PositiveSmallIntegerField(_("期末后报送期限（天）"), default=10)
    status_override = models.CharField(
        _("办公室认定状态"),
        max_length=12,
        choices=TaskStatus.choices,
        blank=True,
        help_text=_("留空则按报送和进度自动判断。"),
    )
    status_note = models.CharField(_("状态说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("重点任务")
        verbose_name_plural = _("重点任务")

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class TaskUnit(models.Model):
    """A city unit's part in a task: lead (牵头) or supporting (按职责分工负责)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("牵头")
        SUPPORT = "support", _("配合")

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="units")
    bureau = models.ForeignKey(Bureau, on_delete=models.PROTECT, related_name="task_units", verbose_name=_("单位"))
    role = models.CharField(_("职责"), max_length=8, choices=Role.choices)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["task", "role", "sort_order"]
        constraints = [models.UniqueConstraint(fields=["task", "bureau"], name="task_unit_once")]
        verbose_name = _("任务责任单位")
        verbose_name_plural = _("任务责任单位")

    def __str__(self) -> str:
        return f"{self.task.number} {self.bureau}（{self.get_role_display()}）"


class Measure(models.Model):
    """A concrete measure of a task in one year's action plan (年度行动计划), with goal, deadline and weight."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="measures")
    year = models.PositiveSmallIntegerField(_("年度"))
    title = models.CharField(_("措施"), max_length=60)
    text = models.TextField(_("原文"), blank=True)
    goal = models.CharField(_("年度目标"), max_length=200, blank=True)
    deadline = models.DateField(_("完成时限"))
    weight = models.DecimalField(
        _("权重"), max_digits=5, decimal_places=2, default=Decimal("1"), validators=[MinValueValidator(Decimal("0.01"))]
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["task", "year", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "year", "title"],
                name="measure_unique_title",
                violation_error_message=_("本年度该任务已有同名措施。"),
                violation_error_code="title:duplicate",
            ),
        ]
        verbose_name = _("推进措施")
        verbose_name_plural = _("推进措施")

    def __str__(self) -> str:
        return f"{self.task.number}.{self.sort_order + 1} {self.title}（{self.year}）"


class ProgressReport(models.Model):
    """A unit's report on a task for one period; a lead unit's consolidated report sums up the task."""

    class Kind(models.TextChoices):
        UNIT = "unit", _("单位报送")
        CONSOLIDATED = "consolidated", _("牵头单位汇总")

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="reports", verbose_name=_("任务"))
    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, null=True, blank=True, related_name="reports", verbose_name=_("报送单位")
    )
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("报送县（市、区）"),
    )
    period = models.CharField(_("报送期"), max_length=8, help_text=_("如 2026-Q3 或 2026-11"))
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices, default=Kind.UNIT)
    narrative = models.TextField(_("工作进展"))
    towns = models.ManyToManyField(Town, blank=True, related_name="task_reports", verbose_name=_("涉及专业镇"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("报送人")
    )
    submitted_at = models.DateTimeField(_("报送时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(bureau__isnull=False, county__isnull=True) | Q(bureau__isnull=True, county__isnull=False)),
                name="report_one_unit",
            ),
            models.UniqueConstraint(
                fields=["task", "bureau", "period", "kind"],
                condition=Q(bureau__isnull=False),
                name="report_once_per_bureau_period",
                violation_error_message=_("本单位本期已报送，请修改已有报告。"),
                violation_error_code="period:duplicate",
            ),
            models.UniqueConstraint(
                fields=["task", "county", "period"],
                condition=Q(county__isnull=False),
                name="report_once_per_county_period",
                violation_error_message=_("本县（市、区）本期已报送，请修改已有报告。"),
                violation_error_code="period:duplicate",
            ),
        ]
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")

    def __str__(self) -> str:
        return f"{self.task.number} {self.unit_name} {self.period}"

    @property
    def unit_name(self) -> str:
        return str(self.bureau or f"{self.county}人民政府")


class MeasureProgress(models.Model):
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="measure_progress")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="progress", verbose_name=_("措施"))
    progress_pct = models.DecimalField(
        _("完成进度（%）"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)],
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["report", "measure__sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["report", "measure"], name="measure_progress_once"),
            models.CheckConstraint(
                condition=Q(progress_pct__gte=0, progress_pct__lte=100), name="measure_progress_range"
            ),
        ]
        verbose_name = _("措施进度")
        verbose_name_plural = _("措施进度")

    def __str__(self) -> str:
        return f"{self.measure}: {self.progress_pct}%"


class ReportAttachment(StoredFile):
    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="attachments")

    class Meta:
        verbose_name = _("报告附件")
        verbose_name_plural = _("报告附件")

    def storage_dir(self) -> str:
        return f"reports/{self.report_id}"


class Problem(models.Model):
    """问题台账: a problem found, assigned to a responsible unit with a deadline, acted on, verified, closed."""

    class Source(models.TextChoices):
        FIELD_RESEARCH = "field_research", _("深入调研发现")
        REPORT = "report", _("进展报告反映")
        COUNTY = "county", _("县（市、区）上报")
        ENTERPRISE = "enterprise", _("企业反映")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        OPEN = "open", _("待分派")
        ASSIGNED = "assigned", _("办理中")
        RESPONDED = "responded", _("已反馈待核实")
        CLOSED = "closed", _("已销号")

    # Past its deadline in these states it is overdue; once answered, the next move is the office's.
    OVERDUE_STATUSES = (Status.OPEN, Status.ASSIGNED)

    number = models.CharField(_("编号"), max_length=20, unique=True)
    title = models.CharField(_("问题"), max_length=120)
    description = models.TextField(_("问题描述"))
    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, null=True, blank=True, related_name="problems", verbose_name=_("专业镇")
    )
    task = models.ForeignKey(
        Task, on_delete=models.PROTECT, null=True, blank=True, related_name="problems", verbose_name=_("相关任务")
    )
    source = models.CharField(_("来源"), max_length=16, choices=Source.choices, default=Source.FIELD_RESEARCH)
    found_on = models.DateField(_("发现日期"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("登记人")
    )
    responsible_bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, null=True, blank=True, related_name="problems", verbose_name=_("责任单位")
    )
    responsible_county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("责任县（市、区）"),
    )
    deadline = models.DateField(_("办结时限"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("核实人"),
    )
    verification = models.TextField(_("核实意见"), blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    # The one-time key of the form that recorded it: the same form posted twice records one problem.
    idempotency_key = models.UUIDField(_("表单标识"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-found_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~(Q(responsible_bureau__isnull=False) & Q(responsible_county__isnull=False)),
                name="problem_one_responsible_unit",
            ),
        ]
        verbose_name = _("问题")
        verbose_name_plural = _("问题台账")

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    # "Overdue" is defined here once: the ledger's filter and highlight, the API and the daily reminders use it.
    @classmethod
    def overdue_q(cls, today) -> Q:
        return Q(deadline__lt=today, status__in=cls.OVERDUE_STATUSES)

    def is_overdue(self, today) -> bool:
        return bool(self.deadline and self.deadline < today and self.status in self.OVERDUE_STATUSES)

    @property
    def overdue(self) -> bool:
        return self.is_overdue(timezone.localdate())

    @property
    def responsible_name(self) -> str:
        if self.responsible_bureau_id:
            return str(self.responsible_bureau)
        if self.responsible_county_id:
            return self.responsible_county.government_name
        return ""


class ProblemAction(models.Model):
    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="actions")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    kind = models.CharField(_("类别"), max_length=12)
    text = models.TextField(_("内容"))

    class Meta:
        ordering = ["problem", "at", "id"]
        verbose_name = _("问题办理记录")
        verbose_name_plural = _("问题办理记录")

    def __str__(self) -> str:
        return f"{self.problem.number} {self.kind}"


class KeyProject(models.Model):
    """重点项目库: a project of a town, tracked through 签约 → 开工 → 投产 (the "三个一批")."""

    class Stage(models.TextChoices):
        SIGNED = "signed", _("签约")
        STARTED = "started", _("开工")
        IN_PRODUCTION = "in_production", _("投产")

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="projects", verbose_name=_("专业镇"))
    name = models.CharField(_("项目名称"), max_length=120)
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("项目单位"),
    )
    investment_wan = models.DecimalField(
        _("总投资（万元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    stage = models.CharField(_("阶段"), max_length=16, choices=Stage.choices, default=Stage.SIGNED)
    planned_sign_on = models.DateField(_("计划签约"), null=True, blank=True)
    signed_on = models.DateField(_("实际签约"), null=True, blank=True)
    planned_start_on = models.DateField(_("计划开工"), null=True, blank=True)
    started_on = models.DateField(_("实际开工"), null=True, blank=True)
    planned_production_on = models.DateField(_("计划投产"), null=True, blank=True)
    in_production_on = models.DateField(_("实际投产"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["town", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "name"],
                name="project_unique_name_per_town",
                violation_error_message=_("该专业镇已有同名项目。"),
                violation_error_code="name:duplicate",
            ),
            models.CheckConstraint(condition=Q(investment_wan__gte=0), name="project_investment_nonneg"),
        ]
        verbose_name = _("重点项目")
        verbose_name_plural = _("重点项目库")

    def __str__(self) -> str:
        return self.name
