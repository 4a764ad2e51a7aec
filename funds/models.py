"""The special fund for specialty towns (培育特色专业镇发展专项资金, 四、1): each year's budget, what is allocated
from it — rewards to the counties of commended towns (表扬奖励, 五、（四）) and support to towns and key projects — and
each allocation's payment status (拟安排 → 已下达 → 已拨付)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import StoredFile

ZERO = Decimal("0")
CENT = Decimal("0.01")
FIRST_FUND_YEAR = 2023  # the plan (运政办发〔2023〕8号) runs from 2023


class FundBudget(models.Model):
    """One year's budget of the fund, in 万元, and the document it comes from (e.g. the finance bureau's notice)."""

    year = models.PositiveSmallIntegerField(_("年度"))
    amount_wan = models.DecimalField(
        _("年度预算（万元）"), max_digits=12, decimal_places=2, validators=[MinValueValidator(ZERO)]
    )
    document_title = models.CharField(_("来源文件标题"), max_length=200)
    document_number = models.CharField(_("来源文件文号"), max_length=60)
    document_date = models.DateField(_("来源文件日期"))
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["year"],
                name="one_fund_budget_per_year",
                violation_error_message=_("该年度的专项资金预算已登记，请修改原预算。"),
                violation_error_code="year:duplicate",
            ),
            models.CheckConstraint(condition=Q(amount_wan__gte=0), name="fund_budget_nonneg"),
        ]
        verbose_name = _("专项资金年度预算")
        verbose_name_plural = _("专项资金年度预算")

    def __str__(self) -> str:
        return f"{self.year}年度专项资金预算"

    def clean(self) -> None:
        last = timezone.localdate().year + 1  # next year's budget may be known in December
        if self.year is not None and not FIRST_FUND_YEAR <= self.year <= last:
            raise ValidationError(
                {"year": _("年度应在%(first)d至%(last)d年之间。") % {"first": FIRST_FUND_YEAR, "last": last}}
            )


class BudgetAttachment(StoredFile):
    budget = models.ForeignKey(FundBudget, on_delete=models.CASCADE, related_name="attachments")

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("预算文件附件")
        verbose_name_plural = _("预算文件附件")

    def storage_dir(self) -> str:
        return f"funds/budgets/{self.budget.year}"


class FundAllocation(models.Model):
    """An amount from one year's budget: a reward to the county of a commended town, or support to a town or a key
    project. The office proposes it (拟安排), issues it with the approving document (已下达) and records the payment
    (已拨付); it may be cancelled (已撤销) before it is paid. Every allocation not cancelled counts against the
    budget."""

    class Kind(models.TextChoices):
        REWARD = "reward", _("表扬奖励")  # 五、（四）对评价排名靠前、成效突出的……予以表扬奖励
        TOWN = "town", _("专业镇扶持")
        PROJECT = "project", _("重点项目扶持")

    class Purpose(models.TextChoices):
        """What the money is for: the reward, or the key task (四) the support serves."""

        REWARD = "reward", _("表扬奖励")
        MARKET_ENTITIES = "market_entities", _("市场主体倍增")  # 任务1
        LEADING_INDUSTRY = "leading_industry", _("主导产业壮大")  # 任务2
        KEY_PROJECTS = "key_projects", _("重大项目建设")  # 任务3
        INNOVATION = "innovation", _("创新能力提升")  # 任务4
        QUALITY_BRAND = "quality_brand", _("质量品牌打造")  # 任务5
        TRANSFORMATION = "transformation", _("“两个转型”发展")  # 任务6
        EMPLOYMENT = "employment", _("就业富民赋能")  # 任务12
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        PLANNED = "planned", _("拟安排")
        ISSUED = "issued", _("已下达")
        PAID = "paid", _("已拨付")
        CANCELLED = "cancelled", _("已撤销")

    budget = models.ForeignKey(
        FundBudget, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("预算年度")
    )
    kind = models.CharField(_("类别"), max_length=10, choices=Kind.choices)
    commendation = models.ForeignKey(
        "evaluation.Commendation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_allocations",
        verbose_name=_("表扬"),
    )
    county = models.ForeignKey(
        "towns.County", on_delete=models.PROTECT, related_name="fund_allocations", verbose_name=_("县（市、区）")
    )
    town = models.ForeignKey(
        "towns.Town",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_allocations",
        verbose_name=_("专业镇"),
    )
    project = models.ForeignKey(
        "tasks_registry.KeyProject",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_allocations",
        verbose_name=_("重点项目"),
    )
    amount_wan = models.DecimalField(_("金额（万元）"), max_digits=12, decimal_places=2)
    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices)
    description = models.CharField(_("具体用途"), max_length=300, blank=True)
    merit = models.TextField(_("成效突出情况"), blank=True)
    document_number = models.CharField(_("批准文号"), max_length=60, blank=True)
    document_date = models.DateField(_("批准日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)
    payment_reference = models.CharField(_("拨付凭证号"), max_length=60, blank=True)
    cancelled_on = models.DateField(_("撤销日期"), null=True, blank=True)
    cancel_reason = models.CharField(_("撤销原因"), max_length=300, blank=True)
    note = models.CharField(_("备注"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)  # later changes: the audit trail

    # What counts against the budget (已安排), what has been issued (已下达, paid included) and paid.
    ACTIVE = (Status.PLANNED, Status.ISSUED, Status.PAID)
    ISSUED_OR_PAID = (Status.ISSUED, Status.PAID)

    class Meta:
        ordering = ["-budget__year", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_wan__gt=0),
                name="fund_allocation_positive",
                violation_error_message=_("金额须大于0。"),
                violation_error_code="amount_wan:not_positive",
            ),
            # a commendation carries at most one reward that is not cancelled
            models.UniqueConstraint(
                fields=["commendation"],
                condition=Q(commendation__isnull=False) & ~Q(status="cancelled"),
                name="one_reward_per_commendation",
                violation_error_message=_("该表扬已安排奖励（可在原奖励撤销后重新安排）。"),
                violation_error_code="commendation:duplicate",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind="reward", commendation__isnull=False, project__isnull=True, purpose="reward")
                    | (
                        Q(kind="town", town__isnull=False, commendation__isnull=True, project__isnull=True)
                        & ~Q(purpose="reward")
                    )
                    | (Q(kind="project", project__isnull=False, commendation__isnull=True) & ~Q(purpose="reward"))
                ),
                name="fund_allocation_recipient_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "cancelled"])
                | (~Q(document_number="") & Q(document_date__isnull=False)),
                name="fund_allocation_issued_has_document",
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_on__isnull=False), name="fund_allocation_paid_has_date"
            ),
        ]
        indexes = [models.Index(fields=["budget", "status"], name="fund_allocation_budget_idx")]
        verbose_name = _("专项资金安排")
        verbose_name_plural = _("专项资金安排")

    def __str__(self) -> str:
        return f"{self.recipient_name} {self.get_kind_display()} {self.amount_wan}万元"

    @property
    def recipient_name(self) -> str:
        """Who receives it as the documents name it: the county government for a reward, else the town or project."""
        if self.kind == self.Kind.REWARD:
            return self.county.government_name if self.county_id else ""
        if self.kind == self.Kind.PROJECT and self.project_id:
            return self.project.name
        return self.town.name if self.town_id else ""


class AllocationAttachment(StoredFile):
    allocation = models.ForeignKey(FundAllocation, on_delete=models.CASCADE, related_name="attachments")

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("资金安排附件")
        verbose_name_plural = _("资金安排附件")

    def storage_dir(self) -> str:
        return f"funds/allocations/{self.allocation_id}"
