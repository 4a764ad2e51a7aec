"""Factories of the registry, people and the shared models: valid objects by default, each field overridable."""

from __future__ import annotations

import itertools
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from towns.models import (
    Bureau,
    County,
    Enterprise,
    EnterpriseYearFigures,
    Membership,
    Role,
    Sector,
    Tier,
    Town,
    TownYearFigures,
)
from towns.validators import credit_code_check_char

PASSWORD = "test-password-2026"
_serial = itertools.count(1)
_day = factory.LazyFunction(lambda: __import__("datetime").date(2026, 3, 1))


def valid_credit_code(n: int | None = None, division: str = "140822") -> str:
    body = f"91{division}{(n if n is not None else next(_serial)):09d}"
    return body + credit_code_check_char(body)


class CountyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = County
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试县{n}")
    division_code = factory.Sequence(lambda n: f"{140900 + n}")
    kind = County.Kind.COUNTY


class BureauFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bureau
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"测试局{n}")


class TownFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Town

    name = factory.Sequence(lambda n: f"测试专业镇{n}")
    county = factory.SubFactory(CountyFactory)
    leading_industry = "水泵"
    sector = Sector.MANUFACTURING
    tier = Tier.CITY


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    town = factory.SubFactory(TownFactory)
    name = factory.Sequence(lambda n: f"测试企业{n}")
    credit_code = factory.LazyFunction(valid_credit_code)
    role = Enterprise.Role.SUPPORTING


class TownFiguresFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TownYearFigures

    town = factory.SubFactory(TownFactory)
    year = 2024
    output_wan = Decimal("60000.00")
    local_jobs = 2500
    provincial_share_pct = Decimal("55.00")
    tax_wan = Decimal("1800.00")


class EnterpriseFiguresFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnterpriseYearFigures

    enterprise = factory.SubFactory(EnterpriseFactory)
    year = 2024
    output_wan = Decimal("5000.00")
    local_jobs = 200
    tax_wan = Decimal("150.00")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_user(role: str | None, *, county: County | None = None, bureau: Bureau | None = None, username=None):
    user = UserFactory(username=username or f"{role or 'norole'}{next(_serial)}")
    if role:
        Membership.objects.create(
            user=user,
            role=role,
            county=county if role == Role.COUNTY else None,
            bureau=bureau if role == Role.BUREAU else None,
        )
    return user


def api_key(user, *, days: int = 30) -> str:
    """Issue a token for ``user`` as the office would, and return its key."""
    from django.utils import timezone

    from core.api.authentication import digest, new_key
    from core.models import ApiToken

    key = new_key()
    ApiToken.objects.create(
        user=user, prefix=key[:8], key_hash=digest(key), expires_at=timezone.now() + timezone.timedelta(days=days)
    )
    return key


class TierChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "towns.TownTierChange"

    town = factory.SubFactory(TownFactory)
    to_tier = Tier.CITY
    effective_date = _day
    source = "运专镇认〔2026〕001号"


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "towns.LeadingGroupOffice"

    name = factory.Sequence(lambda n: f"测试领导小组办公室{n}")
    host_bureau = factory.SubFactory(BureauFactory)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "towns.Membership"

    user = factory.SubFactory(UserFactory)
    role = Role.LEADER


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "core.Notification"

    recipient = factory.SubFactory(UserFactory)
    message = "测试通知"


class ApiTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "core.ApiToken"

    user = factory.SubFactory(UserFactory)
    prefix = factory.Sequence(lambda n: f"t{n:07d}")
    key_hash = factory.Sequence(lambda n: f"{n:064x}")
    expires_at = factory.LazyFunction(lambda: __import__("django.utils.timezone").utils.timezone.now())


class ReminderLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "core.ReminderLog"

    key = factory.Sequence(lambda n: f"test:{n}")
    recipient = factory.SubFactory(UserFactory)
    sent_on = _day


class DocumentSequenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "core.DocumentSequence"

    series = factory.Sequence(lambda n: f"测试〔{n}〕")
    year = 2026


class AuditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "core.AuditEntry"

    action = "update"
    content_type = factory.LazyFunction(
        lambda: __import__("django.contrib.contenttypes.models").contrib.contenttypes.models.ContentType.objects.get(
            app_label="towns", model="town"
        )
    )
    object_id = "1"
    object_repr = "测试专业镇"


def pdf_bytes(text: str = "test") -> bytes:
    """A real one-page PDF (attachments are parsed, not only sniffed)."""
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(200, 100))
    pdf.drawString(10, 50, text)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def png_bytes(size: tuple[int, int] = (8, 8)) -> bytes:
    """A real PNG image."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


class TownEvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "towns.TownEvidence"

    town = factory.SubFactory(TownFactory)
    kind = "national_market"
    statement = "主导产品全国市场占有率约30%"
    document = "中国混凝土外加剂协会证明（2024）"
    source = "办公室登记"
    accepted_on = _day


class TownEvidenceFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "towns.TownEvidenceFile"

    evidence = factory.SubFactory(TownEvidenceFactory)
    file = factory.django.FileField(filename="证明.pdf", data=b"%PDF-1.4\n%%EOF\n")
    original_name = "证明.pdf"
    size = 15
    content_type = "application/pdf"


class CountyTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "towns.CountyTarget"

    county = factory.SubFactory(CountyFactory)
    year = 2024
    jobs_target = 5000
    tax_target_wan = Decimal("20000.00")
