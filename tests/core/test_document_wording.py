"""The official documents say what happened, to whom, in the county's own address, and the PDF breaks lines by
Chinese rules (禁则): never before a closing mark, never after an opening one, never inside 〔2023〕8号."""

from __future__ import annotations

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from certification import documents as certification_documents
from certification import services as cert_services
from core.documents import NO_LINE_END, NO_LINE_START, _wrap
from evaluation import documents as evaluation_documents

from ..factories import CountyFactory, SupervisionNoticeFactory, TownFactory
from ..helpers import town_with_firms

WIDTH = A4[0] - 50 * mm
BASIS = "依据：《运城市促进专业镇高质量发展三年行动计划》（运政办发〔2023〕8号）五、（四）。"


@pytest.mark.parametrize("padding", range(40))
def test_lines_never_break_inside_a_document_number_or_against_the_marks(padding):
    text = "甲" * padding + BASIS + "根据专项检查（运专镇查〔2026〕001号）发现的问题，进度50%。"
    lines = _wrap(text, WIDTH, 14)
    assert "".join(lines) == text
    for line, following in zip(lines, lines[1:], strict=False):
        assert following[:1] not in NO_LINE_START, lines  # e.g. no line starts with 〕 or ）
        assert line[-1:] not in NO_LINE_END, lines  # e.g. no line ends with 〔 or （
        assert not (line[-1:].isdigit() and following[:1].isdigit()), lines  # 202 | 3
    assert any("〔2023〕8号" in line for line in lines) and any("〔2026〕001号" in line for line in lines)


@pytest.mark.parametrize(
    ("kind", "name", "you"),
    [
        ("district", "盐湖区", "你区"),
        ("city", "永济市", "你市"),
        ("county", "闻喜县", "你县"),
        ("zone", "运城开发区", "你区"),
    ],
)
def test_the_supervision_notice_addresses_the_county_as_itself(db, kind, name, you):
    town = TownFactory(name=f"{name}测试镇", county=CountyFactory(name=name, kind=kind))
    document = evaluation_documents.supervision_notice(SupervisionNoticeFactory(town=town, county=town.county))
    opening = document.body[0].text
    assert f"，{you}{town.name}存在以下问题，现予督办：" in opening and "你县（市、区）" not in opening
    assert document.addressee == town.county.government_name


@pytest.mark.parametrize(
    ("stage", "wording"),
    [
        ("screening", "经形式审查，决定不予认定。"),
        ("expert_review", "经形式审查和专家评审，决定不予认定。"),
        ("public_notice", "经形式审查、专家评审和公示，决定不予认定。"),
    ],
)
def test_the_decision_letter_names_the_stages_the_application_went_through(world, cert, stage, wording):
    app = cert.make(stage, town=town_with_firms(world, f"万荣县{stage}镇"))
    cert_services.application_reject(user=cert.office, application=app, reason="不符合")
    text = certification_documents.decision_letter(app).body[0].text
    assert text.endswith(wording), text
    if stage == "screening":
        assert "评审" not in text  # the case: rejected at screening, never reviewed
