"""The annual assessment of counties and city bureaus (年度目标责任考核): the office's settings per year, the
assessment (a draft the office reviews, then publishes) and one result row per county or bureau.
Imported by :mod:`evaluation.models`; the scoring rules are in :mod:`evaluation.assessment`."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from towns.models import Bureau, County

from . import assessment as rules


class AssessmentConfig(models.Model):
    """The office's indicator weights for one year's assessment, one set for counties and one for bureaus."""

    year = models.PositiveSmallIntegerField(_("考核年度"), unique=True)
    county_weights = models.JSONField(_("县（市、区）指标权重"), default=dict)
    bureau_weights = models.JSONField(_("市直单位指标权重"), default=dict)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("考核设置")
        verbose_name_plural = _("考核设置")

    def __str__(self) -> str:
        return f"{self.year}"

    def clean(self) -> None:
        errors = {}
        for kind, field, label in (
            (rules.COUNTY, "county_weights", _("县（市、区）")),
            (rules.BUREAU, "bureau_weights", _("市直单位")),
        ):
            value = getattr(self, field)
            if value and (problems := rules.weights_errors(kind, value)):  # empty: the defaults apply
                errors[field] = [f"{label}：{p}" for p in problems]
        if errors:
            raise ValidationError(errors)

    def weights(self, kind: str) -> dict[str, int]:
        """The weights in force: the office's, or the defaults where it has set none."""
        stored = self.county_weights if kind == rules.COUNTY else self.bureau_weights
        return dict(stored) if stored else rules.default_weights(kind)


class Assessment(models.Model):
    """One year's assessment: computed (a draft), reviewed and published by the office. One per year; computing
    again replaces the draft's rows; a published assessment is final."""

    class Status(models.TextChoices):
        COMPUTING = "computing", _("计算中")
        DRAFT = "draft", _("待审核")
        FAILED = "failed", _("失败")
        PUBLISHED = "published", _("已发布")

    year = models.PositiveSmallIntegerField(_("考核年度"), unique=True)
    evaluation = models.ForeignKey(
        "evaluation.EvaluationRun",
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("所依据的专业镇年度评估"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.COMPUTING)
    county_weights = models.JSONField(_("本次使用的县（市、区）指标权重"), default=dict)
    bureau_weights = models.JSONField(_("本次使用的市直单位指标权重"), default=dict)
    as_of = models.DateField(_("考核截止日期"), null=True, blank=True, help_text=_("按时、按期以这一天判断"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("发起时间"), null=True, blank=True)
    computed_at = models.DateTimeField(_("计算完成时间"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("年度考核")
        verbose_name_plural = _("年度考核")

    def __str__(self) -> str:
        return f"{self.year}年度专业镇工作考核（{self.get_status_display()}）"

    def weights(self, kind: str) -> dict[str, int]:
        return dict(self.county_weights if kind == rules.COUNTY else self.bureau_weights)


class AssessmentResult(models.Model):
    """A county's or a bureau's score: every indicator with its inputs (numerator, denominator, the words), the
    total and the rank."""

    class Kind(models.TextChoices):
        COUNTY = rules.COUNTY, _("县（市、区）")
        BUREAU = rules.BUREAU, _("市直单位")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="results")
    kind = models.CharField(_("类别"), max_length=8, choices=Kind.choices)
    county = models.ForeignKey(
        County,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assessments",
        verbose_name=_("县（市、区）"),
    )
    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments", verbose_name=_("市直单位")
    )
    name = models.CharField(_("单位"), max_length=60)
    # {code: {"text", "numerator", "denominator", "score", "weight", "points", "details"}}, in the indicators' order
    indicators = models.JSONField(_("各指标"), default=dict)
    total = models.DecimalField(_("总分"), max_digits=5, decimal_places=1, null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("排名"), null=True, blank=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)  # why it is not ranked, where it is not
    position = models.PositiveSmallIntegerField(_("列表顺序"), default=0)

    class Meta:
        ordering = ["assessment", "kind", "position"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=rules.COUNTY, county__isnull=False, bureau__isnull=True)
                    | Q(kind=rules.BUREAU, bureau__isnull=False, county__isnull=True)
                ),
                name="assessment_result_one_unit",
            ),
            models.UniqueConstraint(
                fields=["assessment", "county"], condition=Q(county__isnull=False), name="assessment_county_once"
            ),
            models.UniqueConstraint(
                fields=["assessment", "bureau"], condition=Q(bureau__isnull=False), name="assessment_bureau_once"
            ),
        ]
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")

    def __str__(self) -> str:
        return f"{self.assessment.year} {self.name} {self.total}"

    def lines(self) -> list[dict]:
        """The indicators as stored, each with its code and label, in the indicators' order."""
        labels = rules.INDICATORS[self.kind]
        return [
            {"code": code, "label": labels[code].label, **self.indicators[code]}
            for code in labels
            if code in self.indicators
        ]
