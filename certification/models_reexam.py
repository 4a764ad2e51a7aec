"""Re-examination (复核, 动态管理): before a certificate's validity ends the county shows the town still qualifies,
and the office renews the certificate, orders rectification, or revokes it ("按一定周期滚动认定培育").

Imported by :mod:`certification.models` (Django finds the tables there); the services are in
:mod:`certification.reexamination`, the transition table in :mod:`certification.workflow_reexam`.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from towns.models import Tier
from towns.validators import validate_figure_year

from . import engine
from .models import Certificate, CriteriaPolicy

ZERO = Decimal("0")


class ReExamination(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("待报送")
        SUBMITTED = "submitted", _("待办公室决定")
        RECTIFYING = "rectifying", _("整改中")
        RENEWED = "renewed", _("已延续认定")
        REVOKED = "revoked", _("已撤销认定")

    class PolicyChoice(models.TextChoices):
        ISSUED = "issued", _("按发证时的认定标准")
        CURRENT = "current", _("按现行认定标准")

    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="reexaminations", verbose_name=_("认定证书")
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    opened_on = models.DateField(_("开启日期"))
    # The certificate's valid_until when opened: one re-examination per certificate and validity period.
    due_on = models.DateField(_("复核期限（证书有效期至）"))
    # The county's submission (prefilled from the registry)
    figures_year = models.PositiveSmallIntegerField(
        _("数据年度"), null=True, blank=True, validators=[validate_figure_year]
    )
    annual_output_wan = models.DecimalField(
        _("年产值（万元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    local_jobs = models.PositiveIntegerField(_("带动当地就业（人）"), null=True, blank=True)
    provincial_share_pct = models.DecimalField(
        _("主导产品全省市场占有率（%）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    anchor_count = models.PositiveSmallIntegerField(_("龙头企业（家）"), default=0)
    supporting_count = models.PositiveSmallIntegerField(_("关联配套企业（家）"), default=0)
    national_market = models.BooleanField(_("全国拥有较大市场空间"), default=False)
    traditional_feature = models.BooleanField(_("主导产品具有传统特色"), default=False)
    evidence = models.TextField(_("复核说明及证明材料"), blank=True)
    submitted_at = models.DateTimeField(_("最近报送时间"), null=True, blank=True)
    submissions = models.PositiveSmallIntegerField(_("报送次数"), default=0)
    # The office's decision
    policy_choice = models.CharField(_("复核依据"), max_length=8, choices=PolicyChoice.choices, blank=True)
    policy = models.ForeignKey(
        CriteriaPolicy, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("认定标准")
    )
    verdict = models.JSONField(_("条件核验结果"), null=True, blank=True)
    rectification_deadline = models.DateField(_("整改期限"), null=True, blank=True)
    decision_reason = models.TextField(_("办公室意见"), blank=True)
    decision_document = models.CharField(_("决定文件"), max_length=200, blank=True)
    decided_on = models.DateField(_("决定日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    new_certificate = models.OneToOneField(
        Certificate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewed_by",
        verbose_name=_("新证书"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    DECIDED = (Status.RENEWED, Status.REVOKED)
    SUBMISSION_FIELDS = (
        "figures_year",
        "annual_output_wan",
        "local_jobs",
        "provincial_share_pct",
        "anchor_count",
        "supporting_count",
        "national_market",
        "traditional_feature",
        "evidence",
    )

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("复核")
        verbose_name_plural = _("复核")
        constraints = [
            models.UniqueConstraint(
                fields=["certificate", "due_on"],
                name="reexamination_once_per_validity",
                violation_error_message=_("该证书本有效期已开启复核。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate.number} 复核（{self.due_on}）"

    @property
    def town(self):
        return self.certificate.town

    @property
    def is_provincial(self) -> bool:
        """A provincial town is judged against a provincial standard, never the city criteria."""
        return self.certificate.town.tier == Tier.PROVINCIAL

    def is_overdue(self, today) -> bool:
        return self.status not in self.DECIDED and today > self.due_on

    def facts(self) -> engine.TownFacts | None:
        if self.annual_output_wan is None or self.local_jobs is None:
            return None
        return engine.TownFacts(
            sector=self.certificate.town.sector,
            annual_output_wan=self.annual_output_wan,
            anchor_enterprises=self.anchor_count,
            supporting_enterprises=self.supporting_count,
            provincial_share_pct=self.provincial_share_pct,
            local_jobs=self.local_jobs,
            national_market=self.national_market,
            traditional_feature=self.traditional_feature,
        )
