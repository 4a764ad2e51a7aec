"""Factories of the workflows (certification, tasks, evaluation, inspections): valid rows by default."""

from __future__ import annotations

from decimal import Decimal

import factory

from towns.models import Tier

from .registry import BureauFactory, EnterpriseFactory, TownFactory, UserFactory, _day


class EvaluationRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.EvaluationRun"

    year = 2025
    status = "published"
    weights = factory.LazyFunction(lambda: {"output": 15})


class SupervisionNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.SupervisionNotice"

    number = factory.Sequence(lambda n: f"运专镇督〔2026〕{n + 1:03d}号")
    run = factory.SubFactory(EvaluationRunFactory)
    town = factory.SubFactory(TownFactory)
    county = factory.SelfAttribute("town.county")
    problems = factory.LazyFunction(lambda: ["年度评估排名靠后（第9名，共9个）", "重点项目“技改扩能”逾期未开工"])
    issued_on = factory.LazyFunction(lambda: __import__("datetime").date(2026, 2, 1))
    deadline = factory.LazyFunction(lambda: __import__("datetime").date(2026, 4, 2))


class PolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "certification.CriteriaPolicy"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T-{n}")
    name = factory.Sequence(lambda n: f"测试认定标准{n}")


class CycleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "certification.Cycle"

    name = factory.Sequence(lambda n: f"2026年度第{n}批认定")
    year = 2026
    policy = factory.SubFactory(PolicyFactory)
    opens_on = factory.LazyFunction(lambda: __import__("datetime").date(2026, 1, 1))
    closes_on = factory.LazyFunction(lambda: __import__("datetime").date(2026, 12, 31))


class RubricItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "certification.RubricItem"

    cycle = factory.SubFactory(CycleFactory)
    name = factory.Sequence(lambda n: f"评分项{n}")
    max_score = 20


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A draft. Tests of the workflow build states through the services (the ``cert`` fixture)."""

    class Meta:
        model = "certification.Application"

    number = factory.Sequence(lambda n: f"SQ2026-{n + 900:03d}")
    cycle = factory.SubFactory(CycleFactory)
    town = factory.SubFactory(TownFactory)
    county = factory.SelfAttribute("town.county")
    sector = factory.SelfAttribute("town.sector")
    leading_industry = factory.SelfAttribute("town.leading_industry")


class ApplicationFirmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "certification.ApplicationFirm"

    application = factory.SubFactory(ApplicationFactory)
    enterprise = factory.SubFactory(EnterpriseFactory, town=factory.SelfAttribute("..application.town"))
    role = "supporting"


class ApplicationVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "certification.ApplicationVersion"

    application = factory.SubFactory(ApplicationFactory)
    number = factory.Sequence(lambda n: n + 1)
    data = factory.LazyFunction(lambda: {"annual_output_wan": "60000"})


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "certification.Attachment"

    application = factory.SubFactory(ApplicationFactory)
    file = factory.django.FileField(filename="证明.pdf", data=b"%PDF-1.4\n%%EOF\n")
    original_name = "证明.pdf"
    size = 15
    content_type = "application/pdf"


class TransitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "certification.Transition"

    application = factory.SubFactory(ApplicationFactory)
    from_status = "draft"
    to_status = "submitted"


class ExpertAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "certification.ExpertAssignment"

    application = factory.SubFactory(ApplicationFactory)
    expert = factory.SubFactory(UserFactory)


class PublicNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "certification.PublicNotice"

    number = factory.Sequence(lambda n: f"运专镇公示〔2026〕{n + 900:03d}号")
    cycle = factory.SubFactory(CycleFactory)
    title = "专业镇认定公示"
    starts_on = _day
    ends_on = factory.LazyFunction(lambda: __import__("datetime").date(2026, 3, 8))


class ObjectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "certification.Objection"

    notice = factory.SubFactory(PublicNoticeFactory)
    application = factory.SubFactory(ApplicationFactory, cycle=factory.SelfAttribute("..notice.cycle"))
    objector = "群众来信"
    content = "企业数有出入"
    received_on = _day


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "certification.Certificate"

    number = factory.Sequence(lambda n: f"运专镇认〔2026〕{n + 900:03d}号")
    application = factory.SubFactory(ApplicationFactory)
    town = factory.SelfAttribute("application.town")
    cycle = factory.SelfAttribute("application.cycle")
    tier = Tier.CITY
    issued_on = _day
    valid_until = factory.LazyFunction(lambda: __import__("datetime").date(2029, 2, 28))


class ProvincialRecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "certification.ProvincialRecommendation"

    town = factory.SubFactory(TownFactory)
    recommended_on = _day


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks_registry.Task"

    number = factory.Sequence(lambda n: n + 100)
    theme = "引"
    title = factory.Sequence(lambda n: f"测试任务{n}")
    text = "任务全文"
    responsibility = "市工信局牵头"


class TaskUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks_registry.TaskUnit"

    task = factory.SubFactory(TaskFactory)
    bureau = factory.SubFactory(BureauFactory)
    role = "lead"


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks_registry.Measure"

    task = factory.SubFactory(TaskFactory)
    year = 2026
    title = factory.Sequence(lambda n: f"措施{n}")
    deadline = factory.LazyFunction(lambda: __import__("datetime").date(2026, 12, 31))


class ProgressReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks_registry.ProgressReport"

    task = factory.SubFactory(TaskFactory)
    bureau = factory.SubFactory(BureauFactory)
    period = "2026-Q1"
    narrative = "推进顺利"


class MeasureProgressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks_registry.MeasureProgress"

    report = factory.SubFactory(ProgressReportFactory)
    measure = factory.SubFactory(MeasureFactory, task=factory.SelfAttribute("..report.task"))
    progress_pct = Decimal("50")


class ReportAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks_registry.ReportAttachment"

    report = factory.SubFactory(ProgressReportFactory)
    file = factory.django.FileField(filename="进展.pdf", data=b"%PDF-1.4\n%%EOF\n")
    original_name = "进展.pdf"
    size = 15
    content_type = "application/pdf"


class ProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks_registry.Problem"

    number = factory.Sequence(lambda n: f"WT2026-{n + 900:04d}")
    title = "用地指标不足"
    description = "项目落地缺少用地指标"
    found_on = _day


class ProblemActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks_registry.ProblemAction"

    problem = factory.SubFactory(ProblemFactory)
    kind = "response"
    text = "已协调解决"


class KeyProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "tasks_registry.KeyProject"

    town = factory.SubFactory(TownFactory)
    name = factory.Sequence(lambda n: f"重点项目{n}")
    investment_wan = Decimal("5000")
    stage = "signed"
    signed_on = _day


class EvaluationConfigFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.EvaluationConfig"
        django_get_or_create = ("year",)

    year = 2025
    weights = factory.LazyFunction(lambda: {"output": 20})


class TownEvaluationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.TownEvaluation"

    run = factory.SubFactory(EvaluationRunFactory, status="draft")
    town = factory.SubFactory(TownFactory)
    group = "certified"
    indicators = factory.LazyFunction(lambda: {"output": "60000"})
    breakdown = factory.LazyFunction(lambda: {"output": "100.0"})


class CommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.Commendation"

    run = factory.SubFactory(EvaluationRunFactory)
    town = factory.SubFactory(TownFactory)
    county = factory.SelfAttribute("town.county")
    rank = 1
    text = "予以表扬"


class RectificationReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.RectificationReport"

    notice = factory.SubFactory(SupervisionNoticeFactory)
    text = "已整改"


class RectificationAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.RectificationAttachment"

    report = factory.SubFactory(RectificationReportFactory)
    file = factory.django.FileField(filename="整改.pdf", data=b"%PDF-1.4\n%%EOF\n")
    original_name = "整改.pdf"
    size = 15
    content_type = "application/pdf"


def move_notice_back(notice, days: int):
    """Shift a public notice ``days`` into the past, as if it had been published then (the service only
    publishes notices starting today or later; tests reach a notice that has run its course this way)."""
    import datetime

    from django.utils import timezone

    from certification.models import PublicNotice

    delta = datetime.timedelta(days=days)
    notice.refresh_from_db()
    PublicNotice.objects.filter(pk=notice.pk).update(
        starts_on=notice.starts_on - delta, ends_on=notice.ends_on - delta, published_at=timezone.now() - delta
    )
    notice.refresh_from_db()
    return notice


class ReExaminationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "certification.ReExamination"

    certificate = factory.SubFactory(CertificateFactory)
    opened_on = _day
    due_on = factory.SelfAttribute("certificate.valid_until")


class InspectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.Inspection"

    number = factory.Sequence(lambda n: f"运专镇查〔2026〕{n + 1:03d}号")
    title = "认定标准专项检查"
    starts_on = _day
    ends_on = factory.LazyFunction(lambda: __import__("datetime").date(2026, 3, 5))


class InspectionItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.InspectionItem"

    inspection = factory.SubFactory(InspectionFactory)
    title = "产业相对集中"


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.Finding"

    item = factory.SubFactory(InspectionItemFactory)
    inspection = factory.SelfAttribute("item.inspection")
    town = factory.SubFactory(TownFactory)
    result = "ok"


class FindingAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "evaluation.FindingAttachment"

    finding = factory.SubFactory(FindingFactory)
    file = factory.django.FileField(filename="现场.pdf", data=b"%PDF-1.4\n%%EOF\n")
    original_name = "现场.pdf"
    size = 15
    content_type = "application/pdf"
