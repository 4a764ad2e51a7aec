"""Official documents: one text for the page and the PDF, addressed to the right body, flowing onto further pages,
numbered without collisions."""

from __future__ import annotations

import datetime
import html
import re
import threading

import pytest
from django.db import connection
from django.urls import reverse
from reportlab.pdfgen import canvas

from certification import documents as certification_documents
from certification.models import Certificate
from core import numbering
from core.documents import render_pdf
from evaluation import documents as evaluation_documents

from ..factories import CountyFactory, SupervisionNoticeFactory, TownFactory


@pytest.fixture
def drawn(monkeypatch):
    """Every string the PDF renderer draws, in order."""
    lines: list[str] = []
    for method in ("drawString", "drawCentredString", "drawRightString"):
        original = getattr(canvas.Canvas, method)

        def record(self, x, y, text, *args, _original=original, **kwargs):
            lines.append(text)
            return _original(self, x, y, text, *args, **kwargs)

        monkeypatch.setattr(canvas.Canvas, method, record)
    return lines


def page_text(response) -> str:
    text = re.sub(r"<[^>]+>", "", response.content.decode())
    return re.sub(r"\s+", "", html.unescape(text))


def test_supervision_notice_page_and_pdf_say_the_same(world, client_for, drawn):
    notice = SupervisionNoticeFactory(town=world.home_town)
    client = client_for("county")
    page = page_text(client.get(reverse("supervision-notice", args=[notice.pk])))
    pdf = client.get(reverse("supervision-notice", args=[notice.pk]), {"format": "pdf"})
    assert pdf.content.startswith(b"%PDF")
    printed = "".join(drawn)
    assert "依据：《运城市促进专业镇高质量发展三年行动计划》（运政办发〔2023〕8号）五、（四）。" in printed
    for line in drawn:  # every printed line is on the page too (list numbers aside)
        assert re.sub(r"^\d+\. ", "", line).replace(" ", "") in page, line
    assert "万荣县人民政府：" in page and "万荣县人民政府：" in printed


def test_the_development_zone_is_addressed_as_its_management_committee(world, client_for, drawn):
    zone = CountyFactory(name="运城开发区", division_code="", kind="zone")
    notice = SupervisionNoticeFactory(town=TownFactory(name="开发区装备制造", county=zone))
    document = evaluation_documents.supervision_notice(notice)
    assert document.addressee == "运城开发区管委会"
    render_pdf(document)
    assert "运城开发区管委会：" in drawn
    page = page_text(client_for("office").get(reverse("supervision-notice", args=[notice.pk])))
    assert "运城开发区管委会：" in page and "运城开发区人民政府" not in page


def test_a_long_decision_letter_flows_onto_further_pages(cert, drawn):
    app = cert.make("draft")
    app.status, app.decided_at = "rejected", datetime.datetime(2026, 5, 6, 9, tzinfo=datetime.UTC)
    app.decision_reason = "经核实，申报材料中的产值、就业与配套企业数据与统计部门数据不一致。" * 60
    content = render_pdf(certification_documents.decision_letter(app))
    assert len(re.findall(rb"/Type /Page\b", content)) >= 2  # flowed onto a second page
    assert drawn[-1] == "2026年5月6日" and drawn[-2] == "运城市专业镇发展领导小组办公室"  # issuer and date kept
    assert any("如对本决定有异议" in line for line in drawn)


def test_two_cycles_of_one_year_never_share_a_certificate_number(db):
    prefix = "运专镇认〔2026〕"
    existing = lambda: numbering.highest(Certificate.objects, "number", prefix)  # noqa: E731
    first = numbering.draw(series=prefix, year=2026, existing=existing)
    second = numbering.draw(series=prefix, year=2026, existing=existing)  # a second cycle of 2026
    assert (first, second) == (1, 2)
    assert numbering.draw(series=prefix, year=2027) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_draws_get_distinct_numbers():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers")
    numbers: list[int] = []
    errors: list[BaseException] = []

    def draw():
        try:
            numbers.append(numbering.draw(series="运专镇督〔2026〕", year=2026))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=draw) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and sorted(numbers) == list(range(1, 9))


def test_closing_punctuation_never_starts_a_printed_line(world, drawn):
    notice = SupervisionNoticeFactory(town=world.home_town, problems=["重点项目“技改扩能”逾期未开工，" * 12])
    render_pdf(evaluation_documents.supervision_notice(notice))
    assert not [line for line in drawn if line[:1] in "，。、；：）〕」”"]
