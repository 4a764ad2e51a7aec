"""The registry: counties, towns, enterprises, yearly figures, organisations, people and roles."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import StoredFile

from .validators import validate_credit_code, validate_figure_year

ZERO = Decimal("0")
HUNDRED = Decimal("100")


class County(models.Model):
    """A county-level unit of Yuncheng (县、市、区), or the development zone beside them."""

    class Kind(models.TextChoices):
        DISTRICT = "district", _("区")
        CITY = "city", _("县级市")
        COUNTY = "county", _("县")
        ZONE = "zone", _("开发区")

    name = models.CharField(_("名称"), max_length=40, unique=True)
    division_code = models.CharField(_("行政区划代码"), max_length=6, blank=True)
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("县（市、区）")
        verbose_name_plural = _("县（市、区）")

    def __str__(self) -> str:
        return self.name

    @property
    def government_name(self) -> str:
        """The body official documents are addressed to: the county's 人民政府, the zone's 管委会."""
        return f"{self.name}管委会" if self.kind == self.Kind.ZONE else f"{self.name}人民政府"


class Sector(models.TextChoices):
    """三、 the three fields a specialty town belongs to."""

    MANUFACTURING = "manufacturing", _("制造业")
    AGRICULTURE = "agriculture", _("特优农业")
    LIGHT_INDUSTRY = "light_industry", _("特色轻工（工艺美术）")


class Tier(models.TextChoices):
    """梯次培育: potential -> city-level (key) -> provincial-level."""

    POTENTIAL = "potential", _("潜力专业镇")
    CITY = "city", _("市级专业镇")
    PROVINCIAL = "provincial", _("省级专业镇")


# 市级专业镇在现有基础上实现产值翻一番 (二): "现有基础" is the year before the plan (2023), unless the office sets
# a town's own base year (Town.baseline_year) on the town's page.
DEFAULT_BASELINE_YEAR = 2022


def doubling_base_year(town) -> int:
    """The year a town's output doubles from: its own base year, or the default."""
    return town.baseline_year or DEFAULT_BASELINE_YEAR


class Town(models.Model):
    name = models.CharField(_("专业镇名称"), max_length=60, unique=True)
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="towns", verbose_name=_("所在县（市、区）")
    )
    leading_industry = models.CharField(_("主导产业"), max_length=60)
    sector = models.CharField(_("领域"), max_length=20, choices=Sector.choices)
    tier = models.CharField(_("梯次"), max_length=12, choices=Tier.choices, default=Tier.POTENTIAL)
    tier_since = models.DateField(_("梯次认定日期"), null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(
        _("基准年份"), null=True, blank=True, help_text=_("产值翻一番目标的起算年份")
    )
    description = models.TextField(_("简介"), blank=True)

    class Meta:
        ordering = ["county__sort_order", "name"]
        verbose_name = _("专业镇")
        verbose_name_plural = _("专业镇")

    def __str__(self) -> str:
        return self.name


class TownTierChange(models.Model):
    """Every change of a town's tier, with the date it took effect and the document it rests on."""

    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="tier_changes", verbose_name=_("专业镇"))
    from_tier = models.CharField(_("原梯次"), max_length=12, choices=Tier.choices, blank=True)
    to_tier = models.CharField(_("新梯次"), max_length=12, choices=Tier.choices)
    effective_date = models.DateField(_("生效日期"))
    source = models.CharField(_("依据"), max_length=200, help_text=_("文件文号或会议，如“运政办发〔2023〕8号 附件2”"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("登记人")
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        ordering = ["town", "-effective_date", "-id"]
        verbose_name = _("梯次变更")
        verbose_name_plural = _("梯次变更")

    def __str__(self) -> str:
        return f"{self.town}: {self.get_from_tier_display() or '—'} → {self.get_to_tier_display()}"


class TraditionalFeature(models.TextChoices):
    """三、二 "主导产品具有历史发源地、地理标志等传统特色，在行业内影响力大、知名度高": the kinds a town may show."""

    BIRTHPLACE = "birthplace", _("历史发源地")
    GEOGRAPHICAL_INDICATION = "gi", _("地理标志")
    RENOWN = "renown", _("行业内影响力大、知名度高")


class TownEvidence(models.Model):
    """What a town has shown once and the office accepted (三、三 全国拥有较大市场空间; 三、二 传统特色), kept with
    its history: a new record of a kind supersedes the earlier one, a withdrawn one stays on file. The current
    evidence of a kind is the latest accepted record not withdrawn (towns.evidence.current_evidence)."""

    class Kind(models.TextChoices):
        NATIONAL_MARKET = "national_market", _("全国拥有较大市场空间")
        TRADITIONAL_FEATURE = "traditional_feature", _("主导产品具有传统特色")

    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("专业镇"))
    kind = models.CharField(_("证明事项"), max_length=20, choices=Kind.choices)
    feature_kind = models.CharField(_("传统特色类别"), max_length=12, choices=TraditionalFeature.choices, blank=True)
    statement = models.TextField(_("认可内容"), help_text=_("办公室认可的事实，如“主导产品全国市场占有率约30%”"))
    document = models.CharField(
        _("证明文件"), max_length=300, blank=True, help_text=_("文件名称、文号或出具单位；也可上传附件")
    )
    source = models.CharField(_("来源"), max_length=200, help_text=_("如“认定申请SQ2026-001”或“办公室登记”"))
    accepted_on = models.DateField(_("认可日期"))
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("认可人"),
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("撤回人"),
    )
    withdraw_reason = models.CharField(_("撤回理由"), max_length=300, blank=True)

    class Meta:
        ordering = ["town", "kind", "-accepted_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="traditional_feature", feature_kind__gt="")
                | (~Q(kind="traditional_feature") & Q(feature_kind="")),
                name="town_evidence_feature_kind_iff_feature",
                violation_error_message=_("传统特色须选择类别；全国市场空间不选类别。"),
                violation_error_code="feature_kind:required",
            ),
        ]
        verbose_name = _("专业镇认可证明")
        verbose_name_plural = _("专业镇认可证明")

    def __str__(self) -> str:
        label = self.get_feature_kind_display() if self.feature_kind else self.get_kind_display()
        return f"{self.town}：{label}"


class TownEvidenceFile(StoredFile):
    """An attachment proving a town's evidence (served only to who may read the town's enterprise-level data)."""

    evidence = models.ForeignKey(TownEvidence, on_delete=models.CASCADE, related_name="files", verbose_name=_("证明"))

    class Meta:
        ordering = ["evidence", "uploaded_at", "id"]
        verbose_name = _("证明附件")
        verbose_name_plural = _("证明附件")

    def storage_dir(self) -> str:
        return f"towns/{self.evidence.town_id}/evidence"


class Enterprise(models.Model):
    class Role(models.TextChoices):
        ANCHOR = "anchor", _("龙头企业")
        SUPPORTING = "supporting", _("关联配套企业")
        OTHER = "other", _("其他")

    town = models.ForeignKey(Town, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("所属专业镇"))
    name = models.CharField(_("企业名称"), max_length=100)
    # Blank only for enterprises named by the plan whose code the county has not yet entered.
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True, validators=[validate_credit_code])
    role = models.CharField(_("在镇中的角色"), max_length=12, choices=Role.choices, default=Role.OTHER)
    above_designated_size = models.BooleanField(_("规上企业"), default=False)
    main_products = models.CharField(_("主要产品"), max_length=200, blank=True)

    class Meta:
        ordering = ["town", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="enterprise_unique_credit_code",
                violation_error_message=_("该统一社会信用代码已登记。"),
                violation_error_code="credit_code:duplicate",
            ),
            models.UniqueConstraint(
                fields=["town", "name"],
                name="enterprise_unique_name_per_town",
                violation_error_message=_("该专业镇已有同名企业。"),
                violation_error_code="name:duplicate",
            ),
        ]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.credit_code = (self.credit_code or "").strip().upper()
        super().save(*args, **kwargs)


class YearFigures(models.Model):
    """One row per year; a later year never replaces an earlier one."""

    year = models.PositiveSmallIntegerField(_("年份"), validators=[validate_figure_year])
    output_wan = models.DecimalField(
        _("产值（万元）"), max_digits=14, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    local_jobs = models.PositiveIntegerField(_("带动当地就业（人）"))
    provincial_share_pct = models.DecimalField(
        _("全省市场占有率（%）"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(HUNDRED)],
    )
    tax_wan = models.DecimalField(
        _("税收（万元）"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(ZERO)]
    )

    FIGURE_FIELDS = ("output_wan", "local_jobs", "provincial_share_pct", "tax_wan")

    class Meta:
        abstract = True

    @staticmethod
    def db_checks(prefix: str) -> list[models.CheckConstraint]:
        return [
            models.CheckConstraint(condition=Q(output_wan__gte=0), name=f"{prefix}_output_nonneg"),
            models.CheckConstraint(condition=Q(tax_wan__isnull=True) | Q(tax_wan__gte=0), name=f"{prefix}_tax_nonneg"),
            models.CheckConstraint(
                condition=Q(provincial_share_pct__isnull=True)
                | Q(provincial_share_pct__gte=0, provincial_share_pct__lte=100),
                name=f"{prefix}_share_pct_range",
            ),
        ]


class TownYearFigures(YearFigures):
    town = models.ForeignKey(Town, on_delete=models.CASCADE, related_name="figures", verbose_name=_("专业镇"))

    class Meta:
        ordering = ["town", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["town", "year"],
                name="town_figures_one_per_year",
                violation_error_message=_("该专业镇这一年的数据已存在。"),
                violation_error_code="year:duplicate",
            ),
            *YearFigures.db_checks("town_figures"),
        ]
        verbose_name = _("专业镇年度数据")
        verbose_name_plural = _("专业镇年度数据")

    def __str__(self) -> str:
        return f"{self.town} {self.year}"


class EnterpriseYearFigures(YearFigures):
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="figures", verbose_name=_("企业"))

    class Meta:
        ordering = ["enterprise", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "year"],
                name="enterprise_figures_one_per_year",
                violation_error_message=_("该企业这一年的数据已存在。"),
                violation_error_code="year:duplicate",
            ),
            *YearFigures.db_checks("enterprise_figures"),
        ]
        verbose_name = _("企业年度数据")
        verbose_name_plural = _("企业年度数据")

    def __str__(self) -> str:
        return f"{self.enterprise} {self.year}"


class CountyTarget(models.Model):
    """任务12: "鼓励各县自加压力，设定一定数量的就业目标和一定规模的税收目标" — a county's own targets for a year,
    entered by the county; progress is read from its towns' yearly figures (``towns.county_targets``)."""

    county = models.ForeignKey(County, on_delete=models.CASCADE, related_name="targets", verbose_name=_("县（市、区）"))
    year = models.PositiveSmallIntegerField(_("年份"), validators=[validate_figure_year])
    jobs_target = models.PositiveIntegerField(
        _("就业目标（人）"), null=True, blank=True, help_text=_("本县各专业镇带动当地就业人数合计")
    )
    tax_target_wan = models.DecimalField(
        _("税收目标（万元）"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        help_text=_("本县各专业镇税收合计"),
    )
    note = models.CharField(_("说明"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["county__sort_order", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "year"],
                name="county_target_one_per_year",
                violation_error_message=_("该县（市、区）这一年的目标已存在。"),
                violation_error_code="year:duplicate",
            ),
            models.CheckConstraint(
                condition=Q(jobs_target__isnull=False) | Q(tax_target_wan__isnull=False),
                name="county_target_not_empty",
                violation_error_message=_("就业目标和税收目标至少填写一项。"),
            ),
            models.CheckConstraint(
                condition=Q(tax_target_wan__isnull=True) | Q(tax_target_wan__gte=0), name="county_target_tax_nonneg"
            ),
        ]
        verbose_name = _("县级目标")
        verbose_name_plural = _("县级目标")

    def __str__(self) -> str:
        return f"{self.county} {self.year}"


class Bureau(models.Model):
    """A city unit named by the plan: member units of the leading group (Annex 1) and task owners."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("市政府部门")
        PARTY = "party", _("市委部门")
        VERTICAL = "vertical", _("中省驻运单位")
        OTHER = "other", _("其他单位")

    name = models.CharField(_("单位名称"), max_length=60, unique=True)
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices, default=Kind.GOVERNMENT)
    leading_group_member = models.BooleanField(_("领导小组成员单位"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("市直单位")
        verbose_name_plural = _("市直单位")

    def __str__(self) -> str:
        return self.name


class LeadingGroupOffice(models.Model):
    """市专业镇发展领导小组办公室: seated in one bureau, with deputy directors from others (Annex 1, 三)."""

    name = models.CharField(_("名称"), max_length=60, unique=True)
    host_bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, related_name="hosted_offices", verbose_name=_("设在单位")
    )
    deputy_bureaus = models.ManyToManyField(
        Bureau, related_name="deputy_of_offices", blank=True, verbose_name=_("副主任单位")
    )

    class Meta:
        verbose_name = _("领导小组办公室")
        verbose_name_plural = _("领导小组办公室")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    COUNTY = "county", _("县（市、区）政府")
    OFFICE = "office", _("领导小组办公室")
    BUREAU = "bureau", _("市直单位")
    LEADER = "leader", _("领导（只读）")
    API = "api", _("接口用户")
    EXPERT = "expert", _("评审专家")


class Membership(models.Model):
    """A user's role in the programme and, where the role needs one, the county or bureau they act for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices)
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("县（市、区）")
    )
    bureau = models.ForeignKey(
        Bureau, on_delete=models.PROTECT, null=True, blank=True, related_name="members", verbose_name=_("单位")
    )
    title = models.CharField(_("职务"), max_length=40, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="county", county__isnull=False) | ~Q(role="county") & Q(county__isnull=True)),
                name="membership_county_iff_county_role",
                violation_error_message=_("县（市、区）政府角色必须且只能指定所属县（市、区）。"),
            ),
            models.CheckConstraint(
                condition=(Q(role="bureau", bureau__isnull=False) | ~Q(role="bureau") & Q(bureau__isnull=True)),
                name="membership_bureau_iff_bureau_role",
                violation_error_message=_("市直单位角色必须且只能指定所属单位。"),
            ),
        ]
        verbose_name = _("角色与归属")
        verbose_name_plural = _("角色与归属")

    def __str__(self) -> str:
        where = self.county or self.bureau
        return f"{self.user} · {self.get_role_display()}" + (f" · {where}" if where else "")


def _latest(obj, prefetched_attr: str):
    rows = getattr(obj, prefetched_attr, None)
    if rows is None:
        rows = list(obj.figures.order_by("-year")[:1])
    return rows[0] if rows else None


Town.latest_figures = property(lambda self: _latest(self, "latest_figures_list"))
Enterprise.latest_figures = property(lambda self: _latest(self, "latest_figures_list"))
