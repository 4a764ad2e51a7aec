"""The annual evaluation (年度评估, 五、（四）): runs, results, commendations, supervision notices, rectification."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import StoredFile
from towns.models import Town

# The assessment's and the inspections' models live in their own modules; imported here, they belong to the app
# (re-exported).
from .assessment_models import Assessment as Assessment
from .assessment_models import AssessmentConfig as AssessmentConfig
from .assessment_models import AssessmentResult as AssessmentResult
from .inspection_models import Finding as Finding
from .inspection_models import FindingAttachment as FindingAttachment
from .inspection_models import Inspection
from .inspection_models import InspectionItem as InspectionItem
from .scoring import DEFAULT_WEIGHTS


class EvaluationConfig(models.Model):
    """The office's settings for one year's evaluation: indicator weights and the publication rules."""

    year = models.PositiveSmallIntegerField(_("评估年度"), unique=True)
    weights = models.JSONField(_("指标权重"), default=dict)
    top_n = models.PositiveSmallIntegerField(_("表扬名额（前N名）"), default=3)
    bottom_n = models.PositiveSmallIntegerField(_("督办名额（后N名）"), default=2)
    rectify_days = models.PositiveSmallIntegerField(_("整改期限（天）"), default=60, validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["-year"]
        verbose_name = _("评估设置")
        verbose_name_plural = _("评估设置")

    def __str__(self) -> str:
        return f"{self.year}"

    def clean(self) -> None:
        weights = self.weights or {}
        if not isinstance(weights, dict) or any(
            code not in DEFAULT_WEIGHTS or not isinstance(w, int) or not 0 <= w <= 100 for code, w in weights.items()
        ):
            raise ValidationError({"weights": _("指标权重应为0～100的整数。")})
        if weights and not any(self.effective_weights().values()):
            raise ValidationError({"weights": _("至少一个指标的权重要大于0。")})

    def effective_weights(self) -> dict[str, int]:
        return {**DEFAULT_WEIGHTS, **{k: int(v) for k, v in (self.weights or {}).items() if k in DEFAULT_WEIGHTS}}


class EvaluationRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("评估中")
        DRAFT = "draft", _("待审核")
        FAILED = "failed", _("失败")
        PUBLISHED = "published", _("已发布")

    year = models.PositiveSmallIntegerField(_("评估年度"), db_index=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.RUNNING)
    weights = models.JSONField(_("本次使用的权重"), default=dict)
    total = models.PositiveIntegerField(_("专业镇总数"), default=0)
    done = models.PositiveIntegerField(_("已完成"), default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发起人"),
    )
    trigger = models.CharField(_("发起方式"), max_length=10, default="manual")
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发布人"),
    )
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        ordering = ["-year", "-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(status="published"),
                name="one_published_run_per_year",
                violation_error_message=_("该年度评估结果已发布。"),
            ),
        ]
        verbose_name = _("年度评估")
        verbose_name_plural = _("年度评估")

    def __str__(self) -> str:
        return f"{self.year}年度评估（{self.get_status_display()}）"


class TownEvaluation(models.Model):
    class Group(models.TextChoices):
        CERTIFIED = "certified", _("市级及以上专业镇")
        POTENTIAL = "potential", _("潜力专业镇")

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="results")
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("专业镇"))
    group = models.CharField(_("组别"), max_length=10, choices=Group.choices)
    indicators = models.JSONField(_("指标原始值"), default=dict)
    breakdown = models.JSONField(_("各指标得分"), default=dict)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("排名"), null=True, blank=True)
    has_data = models.BooleanField(_("有当年数据"), default=True)
    criteria = models.JSONField(_("认定标准复核"), null=True, blank=True)
    inspection = models.BooleanField(_("列入专项检查"), default=False)
    slow = models.JSONField(_("进度缓慢事项"), default=list, blank=True)

    class Meta:
        ordering = ["run", "group", models.F("rank").asc(nulls_last=True), "town__name"]
        constraints = [models.UniqueConstraint(fields=["run", "town"], name="town_evaluated_once_per_run")]
        verbose_name = _("专业镇评估结果")
        verbose_name_plural = _("专业镇评估结果")

    def __str__(self) -> str:
        return f"{self.run.year} {self.town} {self.score}"


class Commendation(models.Model):
    """表扬: the county of a top-ranked town, on publication."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="commendations")
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="commendations")
    county = models.ForeignKey("towns.County", on_delete=models.PROTECT, related_name="commendations")
    rank = models.PositiveSmallIntegerField(_("排名"))
    text = models.TextField(_("表扬内容"))

    class Meta:
        ordering = ["run", "rank"]
        constraints = [models.UniqueConstraint(fields=["run", "town"], name="commendation_once")]
        verbose_name = _("表扬")
        verbose_name_plural = _("表扬")

    def __str__(self) -> str:
        return f"{self.run.year} {self.town}"


class SupervisionNotice(models.Model):
    """督办通知书: problems named, a deadline to rectify (限期整改), answered by the county's report."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("待整改")
        ANSWERED = "answered", _("已报送整改报告")
        RETURNED = "returned", _("整改报告退回")
        ACCEPTED = "accepted", _("整改完成")

    number = models.CharField(_("文号"), max_length=40, unique=True)
    # A notice comes from an annual evaluation (run) or from a special inspection's findings (inspection).
    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, null=True, blank=True, related_name="notices")
    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notices",
        verbose_name=_("专项检查"),
    )
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="supervision_notices")
    county = models.ForeignKey("towns.County", on_delete=models.PROTECT, related_name="supervision_notices")
    problems = models.JSONField(_("督办事项"), default=list)
    issued_on = models.DateField(_("下发日期"))
    deadline = models.DateField(_("整改期限"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ISSUED)
    review_note = models.TextField(_("审核意见"), blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_on", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "town"], name="notice_once_per_run_town"),
            models.UniqueConstraint(
                fields=["inspection", "town"],
                condition=Q(inspection__isnull=False),
                name="notice_once_per_inspection_town",
            ),
            models.CheckConstraint(
                condition=Q(run__isnull=False) | Q(inspection__isnull=False),
                name="notice_from_run_or_inspection",
            ),
        ]
        verbose_name = _("督办通知书")
        verbose_name_plural = _("督办通知书")

    def __str__(self) -> str:
        return self.number

    # Past its deadline in these states the county is late; once answered, the next move is the office's.
    OVERDUE_STATUSES = (Status.ISSUED, Status.RETURNED)

    @classmethod
    def overdue_q(cls, today) -> Q:
        return Q(deadline__lt=today, status__in=cls.OVERDUE_STATUSES)

    def is_overdue(self, today) -> bool:
        return self.deadline < today and self.status in self.OVERDUE_STATUSES

    @property
    def overdue(self) -> bool:
        return self.is_overdue(timezone.localdate())


class RectificationReport(models.Model):
    notice = models.ForeignKey(SupervisionNotice, on_delete=models.CASCADE, related_name="reports")
    text = models.TextField(_("整改情况"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    submitted_at = models.DateTimeField(_("报送时间"), auto_now_add=True)

    class Meta:
        ordering = ["notice", "-submitted_at"]
        verbose_name = _("整改报告")
        verbose_name_plural = _("整改报告")

    def __str__(self) -> str:
        return f"{self.notice.number} {self.submitted_at:%Y-%m-%d}"


class RectificationAttachment(StoredFile):
    report = models.ForeignKey(RectificationReport, on_delete=models.CASCADE, related_name="attachments")

    class Meta:
        verbose_name = _("整改附件")
        verbose_name_plural = _("整改附件")

    def storage_dir(self) -> str:
        return f"rectification/{self.report.notice_id}"
