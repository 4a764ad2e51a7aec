"""Certification (认定): policies, cycles, applications and their review, public notice, certificates."""

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
from towns.models import Enterprise, Sector, Tier, Town, TraditionalFeature
from towns.validators import validate_figure_year

from . import engine

ZERO = Decimal("0")


class CriteriaPolicy(models.Model):
    """The thresholds of the four criteria for one or more cycles. Never edited once a cycle using it
    has applications: a change of standard is a new policy (the old applications keep theirs)."""

    code = models.CharField(_("标准编号"), max_length=30, unique=True)
    name = models.CharField(_("标准名称"), max_length=120)
    source = models.CharField(_("依据文件"), max_length=200, blank=True)
    min_anchor = models.PositiveSmallIntegerField(_("龙头企业下限（家）"), default=engine.YC_2023.min_anchor)
    nominal_supporting = models.PositiveSmallIntegerField(
        _("关联配套企业（“左右”的基数，家）"), default=engine.YC_2023.nominal_supporting
    )
    min_supporting = models.PositiveSmallIntegerField(
        _("关联配套企业下限（家）"), default=engine.YC_2023.min_supporting
    )
    output_manufacturing_wan = models.DecimalField(
        _("制造业年产值标准（万元）"),
        max_digits=14,
        decimal_places=2,
        default=engine.YC_2023.output_floor_wan[engine.MANUFACTURING],
        validators=[MinValueValidator(ZERO)],
    )
    output_agriculture_wan = models.DecimalField(
        _("特优农业年产值标准（万元）"),
        max_digits=14,
        decimal_places=2,
        default=engine.YC_2023.output_floor_wan[engine.AGRICULTURE],
        validators=[MinValueValidator(ZERO)],
    )
    output_light_industry_wan = models.DecimalField(
        _("特色轻工年产值标准（万元）"),
        max_digits=14,
        decimal_places=2,
        default=engine.YC_2023.output_floor_wan[engine.LIGHT_INDUSTRY],
        validators=[MinValueValidator(ZERO)],
    )
    relaxed_floor_wan = models.DecimalField(
        _("传统特色放宽后的年产值下限（万元）"),
        max_digits=14,
        decimal_places=2,
        default=engine.YC_2023.relaxed_floor_wan,
        validators=[MinValueValidator(ZERO)],
    )
    share_pct = models.DecimalField(
        _("全省市场占有率标准（%）"),
        max_digits=5,
        decimal_places=2,
        default=engine.YC_2023.share_pct,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    min_jobs = models.PositiveIntegerField(_("带动当地就业下限（人）"), default=engine.YC_2023.min_jobs)
    # Re-examination (动态管理) judges provincial towns against a provincial standard where one is configured.
    provincial = models.BooleanField(
        _("省级专业镇标准"), default=False, help_text=_("复核省级专业镇时使用；未设置时省级专业镇由办公室研究决定。")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("认定标准")
        verbose_name_plural = _("认定标准")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_supporting__lte=models.F("nominal_supporting")),
                name="policy_min_supporting_le_nominal",
                violation_error_message=_("配套企业下限不能大于基数。"),
                violation_error_code="min_supporting:range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    THRESHOLD_FIELDS = (
        "min_anchor",
        "nominal_supporting",
        "min_supporting",
        "output_manufacturing_wan",
        "output_agriculture_wan",
        "output_light_industry_wan",
        "relaxed_floor_wan",
        "share_pct",
        "min_jobs",
    )

    @staticmethod
    def fields_of(t: engine.Thresholds) -> dict:
        """The policy row's threshold fields for an engine Thresholds (the inverse of :meth:`thresholds`)."""
        return {
            "min_anchor": t.min_anchor,
            "nominal_supporting": t.nominal_supporting,
            "min_supporting": t.min_supporting,
            "output_manufacturing_wan": t.output_floor_wan[engine.MANUFACTURING],
            "output_agriculture_wan": t.output_floor_wan[engine.AGRICULTURE],
            "output_light_industry_wan": t.output_floor_wan[engine.LIGHT_INDUSTRY],
            "relaxed_floor_wan": t.relaxed_floor_wan,
            "share_pct": t.share_pct,
            "min_jobs": t.min_jobs,
        }

    def thresholds(self) -> engine.Thresholds:
        return engine.Thresholds(
            code=self.code,
            min_anchor=self.min_anchor,
            nominal_supporting=self.nominal_supporting,
            min_supporting=self.min_supporting,
            output_floor_wan={
                engine.MANUFACTURING: self.output_manufacturing_wan,
                engine.AGRICULTURE: self.output_agriculture_wan,
                engine.LIGHT_INDUSTRY: self.output_light_industry_wan,
            },
            relaxed_floor_wan=self.relaxed_floor_wan,
            share_pct=self.share_pct,
            min_jobs=self.min_jobs,
        )

    @property
    def in_use(self) -> bool:
        return Application.objects.filter(cycle__policy=self).exists()


class Cycle(models.Model):
    """A certification round (按一定周期滚动认定): which policy applies, when applications are open."""

    name = models.CharField(_("批次名称"), max_length=80, unique=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    policy = models.ForeignKey(
        CriteriaPolicy, on_delete=models.PROTECT, related_name="cycles", verbose_name=_("认定标准")
    )
    opens_on = models.DateField(_("申报开始"))
    closes_on = models.DateField(_("申报截止"))
    notice_days = models.PositiveSmallIntegerField(_("公示天数"), default=7, validators=[MinValueValidator(1)])
    certificate_years = models.PositiveSmallIntegerField(
        _("证书有效期（年）"), default=3, validators=[MinValueValidator(1)]
    )

    class Meta:
        ordering = ["-year", "-opens_on"]
        verbose_name = _("认定批次")
        verbose_name_plural = _("认定批次")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")),
                name="cycle_closes_after_opens",
                violation_error_message=_("截止日期不能早于开始日期。"),
                violation_error_code="closes_on:order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def rubric_locked(self) -> bool:
        """Experts have scored against the rubric: it can no longer change (services and the admin ask this)."""
        return (
            self.pk is not None
            and ExpertAssignment.objects.filter(application__cycle=self, reviewed_at__isnull=False).exists()
        )


class RubricItem(models.Model):
    """One line of the expert scoring rubric the office sets for a cycle."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="rubric", verbose_name=_("认定批次"))
    name = models.CharField(_("评分项"), max_length=80)
    max_score = models.PositiveSmallIntegerField(_("满分"), validators=[MinValueValidator(1)])
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["cycle", "sort_order", "id"]
        verbose_name = _("评分项")
        verbose_name_plural = _("评分细则")

    def __str__(self) -> str:
        return f"{self.name}（{self.max_score}分）"


class Application(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        SCREENING = "screening", _("形式审查")
        EXPERT_REVIEW = "expert_review", _("专家评审")
        RETURNED = "returned", _("退回修改")
        PUBLIC_NOTICE = "public_notice", _("公示中")
        CERTIFIED = "certified", _("已认定")
        REJECTED = "rejected", _("未予认定")

    Feature = TraditionalFeature  # the kinds are the town's (towns.models): its standing evidence uses them too

    number = models.CharField(_("申报编号"), max_length=20, unique=True)
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="applications", verbose_name=_("认定批次"))
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="applications", verbose_name=_("专业镇"))
    county = models.ForeignKey(
        "towns.County", on_delete=models.PROTECT, related_name="applications", verbose_name=_("申报主体")
    )
    target_tier = models.CharField(
        _("申报梯次"),
        max_length=12,
        choices=[(Tier.CITY, Tier.CITY.label), (Tier.PROVINCIAL, _("推荐省级专业镇"))],
        default=Tier.CITY,
    )
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True)
    # Step 1: the town's field
    sector = models.CharField(_("领域"), max_length=20, choices=Sector.choices)
    leading_industry = models.CharField(_("主导产业"), max_length=60)
    # Step 2: firms (ApplicationFirm)
    firms = models.ManyToManyField(
        Enterprise, through="ApplicationFirm", related_name="applications", blank=True, verbose_name=_("申报企业")
    )
    # Step 3: figures and evidence
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
    national_market = models.BooleanField(_("全国拥有较大市场空间"), default=False)
    national_market_evidence = models.TextField(_("全国市场空间说明"), blank=True)
    traditional_feature = models.BooleanField(_("主导产品具有传统特色"), default=False)
    traditional_feature_kind = models.CharField(_("传统特色类别"), max_length=12, choices=Feature.choices, blank=True)
    traditional_feature_evidence = models.TextField(_("传统特色说明"), blank=True)
    summary = models.TextField(_("申报说明"), blank=True)
    # Review and decision
    version = models.PositiveIntegerField(_("提交次数"), default=0)
    submitted_at = models.DateTimeField(_("最近提交时间"), null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    office_rationale = models.TextField(_("办公室研究意见"), blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("决定人"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("填报人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    EDITABLE = (Status.DRAFT, Status.RETURNED)
    # What the county states of the town's figures and claims (the figures step of the application).
    FIGURE_FIELDS = (
        "figures_year",
        "annual_output_wan",
        "local_jobs",
        "provincial_share_pct",
        "national_market",
        "national_market_evidence",
        "traditional_feature",
        "traditional_feature_kind",
        "traditional_feature_evidence",
    )
    OPEN = (Status.SUBMITTED, Status.SCREENING, Status.EXPERT_REVIEW, Status.PUBLIC_NOTICE)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("认定申请")
        verbose_name_plural = _("认定申请")
        constraints = [
            # One live application per town and cycle; a decided one may be followed by another cycle's.
            models.UniqueConstraint(
                fields=["town", "cycle"],
                name="application_one_per_town_cycle",
                violation_error_message=_("该专业镇在本批次已有申请。"),
                violation_error_code="town:duplicate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.town}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    def facts(self) -> engine.TownFacts | None:
        """The engine's input, or None while the figures are incomplete."""
        if self.annual_output_wan is None or self.local_jobs is None:
            return None
        roles = [f.role for f in self.application_firms.all()]
        return engine.TownFacts(
            sector=self.sector,
            annual_output_wan=self.annual_output_wan,
            anchor_enterprises=roles.count(Enterprise.Role.ANCHOR),
            supporting_enterprises=roles.count(Enterprise.Role.SUPPORTING),
            provincial_share_pct=self.provincial_share_pct,
            local_jobs=self.local_jobs,
            national_market=self.national_market,
            traditional_feature=self.traditional_feature,
        )

    def verdict(self) -> engine.Verdict | None:
        facts = self.facts()
        return engine.evaluate(facts, self.cycle.policy.thresholds()) if facts else None


class ApplicationFirm(models.Model):
    """A firm the county names in its application, with its role as the county declares it."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="application_firms")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="+", verbose_name=_("企业"))
    role = models.CharField(_("角色"), max_length=12, choices=Enterprise.Role.choices)

    class Meta:
        ordering = ["application", "role", "enterprise__name"]
        constraints = [models.UniqueConstraint(fields=["application", "enterprise"], name="application_firm_once")]
        verbose_name = _("申报企业")
        verbose_name_plural = _("申报企业")

    def __str__(self) -> str:
        return f"{self.enterprise}（{self.get_role_display()}）"


class ApplicationVersion(models.Model):
    """Everything the county submitted, as it stood at each submission (never changed afterwards)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本"))
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("提交人")
    )
    data = models.JSONField(_("内容"))

    class Meta:
        ordering = ["application", "-number"]
        constraints = [models.UniqueConstraint(fields=["application", "number"], name="application_version_once")]
        verbose_name = _("申请版本")
        verbose_name_plural = _("申请版本")

    def __str__(self) -> str:
        return f"{self.application.number} v{self.number}"


class Attachment(StoredFile):
    class Kind(models.TextChoices):
        FIGURES = "figures", _("产值、就业等统计证明")
        MARKET = "market", _("市场占有率证明")
        FEATURE = "feature", _("传统特色证明（发源地、地理标志等）")
        FIRMS = "firms", _("企业名单")
        OTHER = "other", _("其他")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("材料类别"), max_length=10, choices=Kind.choices, default=Kind.OTHER)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("上传人")
    )

    class Meta:
        ordering = ["application", "kind", "uploaded_at"]
        verbose_name = _("申报材料")
        verbose_name_plural = _("申报材料")

    def storage_dir(self) -> str:
        return f"applications/{self.application_id}"


class Transition(models.Model):
    """The workflow log: every state change, who made it, when and why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("原状态"), max_length=16, choices=Application.Status.choices)
    to_status = models.CharField(_("新状态"), max_length=16, choices=Application.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["application", "at", "id"]
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")

    def __str__(self) -> str:
        return f"{self.application.number}: {self.get_from_status_display()} → {self.get_to_status_display()}"


class ExpertAssignment(models.Model):
    class Recommendation(models.TextChoices):
        CERTIFY = "certify", _("建议认定")
        REVISE = "revise", _("建议修改后再审")
        REJECT = "reject", _("建议不予认定")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="assignments")
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="expert_assignments", verbose_name=_("专家")
    )
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    assigned_at = models.DateTimeField(_("分配时间"), auto_now_add=True)
    scores = models.JSONField(_("各项得分"), default=dict, blank=True)
    total = models.DecimalField(_("总分"), max_digits=6, decimal_places=1, null=True, blank=True)
    comment = models.TextField(_("评审意见"), blank=True)
    recommendation = models.CharField(_("评审建议"), max_length=10, choices=Recommendation.choices, blank=True)
    reviewed_at = models.DateTimeField(_("评审时间"), null=True, blank=True)

    class Meta:
        ordering = ["application", "assigned_at"]
        constraints = [models.UniqueConstraint(fields=["application", "expert"], name="assignment_once")]
        verbose_name = _("专家评审")
        verbose_name_plural = _("专家评审")

    def __str__(self) -> str:
        return f"{self.application.number} · {self.expert}"


class PublicNotice(models.Model):
    """公示: the list of towns the office intends to certify, public for a number of days."""

    number = models.CharField(_("公示编号"), max_length=40, unique=True)
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="notices", verbose_name=_("认定批次"))
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"), blank=True)
    starts_on = models.DateField(_("公示开始"))
    ends_on = models.DateField(_("公示结束"))
    applications = models.ManyToManyField(Application, related_name="notices", verbose_name=_("公示名单"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        ordering = ["-published_at"]
        verbose_name = _("公示")
        verbose_name_plural = _("公示")

    def __str__(self) -> str:
        return self.title


class Objection(models.Model):
    """An objection received during the public notice, recorded by the office."""

    notice = models.ForeignKey(PublicNotice, on_delete=models.CASCADE, related_name="objections")
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="objections", verbose_name=_("针对的申请")
    )
    objector = models.CharField(_("异议人"), max_length=80)
    contact = models.CharField(_("联系方式"), max_length=80, blank=True)
    content = models.TextField(_("异议内容"))
    received_on = models.DateField(_("收到日期"))
    handling = models.TextField(_("处理意见"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["notice", "received_on", "id"]
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")

    def __str__(self) -> str:
        return f"{self.objector} → {self.application.number}"


class Certificate(models.Model):
    number = models.CharField(_("证书编号"), max_length=40, unique=True)
    # A renewal after re-examination (复核) has no application of its own: it renews the certificate before it.
    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="certificate", null=True, blank=True
    )
    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("专业镇"))
    tier = models.CharField(_("梯次"), max_length=12, choices=Tier.choices)
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("认定批次"))
    issued_on = models.DateField(_("认定日期"))
    valid_until = models.DateField(_("有效期至"))
    revoked_on = models.DateField(_("撤销日期"), null=True, blank=True)
    revoke_reason = models.TextField(_("撤销理由"), blank=True)
    renews = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewals",
        verbose_name=_("延续的证书"),
    )
    superseded_on = models.DateField(_("被新证书取代日期"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_on", "-id"]
        verbose_name = _("认定证书")
        verbose_name_plural = _("认定证书")

    def __str__(self) -> str:
        return self.number

    @property
    def is_valid(self) -> bool:
        """Neither revoked nor replaced by a renewal (past its validity it is still this, but 待复核)."""
        return self.revoked_on is None and self.superseded_on is None

    @staticmethod
    def awaiting_q(today: datetime.date, prefix: str = "") -> Q:
        """Past its validity with no decision yet (neither renewed nor revoked): shown as 待复核 (动态管理).
        The one definition: the certificate's status, the town pages' tier and the reminders use it."""
        return Q(
            **{
                f"{prefix}valid_until__lt": today,
                f"{prefix}revoked_on__isnull": True,
                f"{prefix}superseded_on__isnull": True,
            }
        )

    @property
    def awaiting_reexamination(self) -> bool:
        return self.is_valid and self.valid_until < timezone.localdate()

    @property
    def status_label(self) -> str:
        if self.revoked_on:
            return _("已撤销")
        if self.superseded_on:
            return _("已延续（由新证书取代）")
        if self.awaiting_reexamination:
            return _("待复核")
        return _("有效")

    # The city certifies city-level towns only: a certificate issued for a 推荐省级 application is a city certificate
    # plus a recommendation to the province, which alone designates provincial towns. (Certificates issued before
    # this was settled stored tier "provincial" for such applications; these properties read them right too.)

    @property
    def recommended_provincial(self) -> bool:
        return self.application_id is not None and self.application.target_tier == Tier.PROVINCIAL

    @property
    def certified_tier(self) -> str:
        """What the city certified: an application's certificate is city-level (推荐省级 is a recommendation); a
        renewal after re-examination (no application) keeps the tier it renewed."""
        return Tier.CITY if self.application_id is not None else self.tier

    @property
    def tier_label(self) -> str:
        return _("市级专业镇（推荐省级）") if self.recommended_provincial else Tier(self.certified_tier).label


class ProvincialRecommendation(models.Model):
    """A city-level town recommended to the province, and the province's designation when it comes."""

    town = models.ForeignKey(
        Town, on_delete=models.PROTECT, related_name="provincial_recommendations", verbose_name=_("专业镇")
    )
    recommended_on = models.DateField(_("推荐日期"))
    note = models.CharField(_("推荐说明"), max_length=200, blank=True)
    designated_on = models.DateField(_("省级认定日期"), null=True, blank=True)
    designation_source = models.CharField(_("省级认定文件"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["-recommended_on"]
        verbose_name = _("推荐省级专业镇")
        verbose_name_plural = _("推荐省级专业镇")

    def __str__(self) -> str:
        return f"{self.town}（{self.recommended_on}）"


# --- annual evaluation (年度评估, 五、(四)) -------------------------------------------------------------

# --- re-examination (复核, 动态管理): certification/models_reexam.py -----------------------------------
from .models_reexam import ReExamination  # noqa: E402, F401  (the re-examination tables; own module)
