"""督办通知书 as PDF."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from certification.pdf import FONT, ISSUER, _date, _wrap


def supervision_notice_pdf(notice) -> bytes:
    buffer = io.BytesIO()
    width, height = A4
    c = canvas.Canvas(buffer, pagesize=A4)
    c.setTitle(f"{notice.number} 督办通知书")
    c.setFillColorRGB(0.65, 0.1, 0.1)
    c.setFont(FONT, 24)
    c.drawCentredString(width / 2, height - 32 * mm, "督办通知书")
    c.setFillColorRGB(0, 0, 0)
    c.setFont(FONT, 12)
    c.drawCentredString(width / 2, height - 42 * mm, notice.number)
    c.setFont(FONT, 14)
    y = height - 60 * mm
    paragraphs = [
        f"{notice.county.name}人民政府：",
        f"根据{notice.run.year}年度专业镇评估结果，你县（市、区）{notice.town.name}存在以下问题，现予督办：",
        *[f"{i}. {p}" for i, p in enumerate(notice.problems, start=1)],
        f"请于{_date(notice.deadline)}前完成整改，并通过运城市专业镇服务平台报送整改报告。",
        "依据：《运城市促进专业镇高质量发展三年行动计划》（运政办发〔2023〕8号）五、（四）。",
    ]
    for paragraph in paragraphs:
        for line in _wrap(paragraph, width - 50 * mm, 14):
            c.drawString(25 * mm, y, line)
            y -= 9 * mm
        y -= 3 * mm
    c.drawRightString(width - 25 * mm, y - 15 * mm, ISSUER)
    c.drawRightString(width - 25 * mm, y - 25 * mm, _date(notice.issued_on))
    c.showPage()
    c.save()
    return buffer.getvalue()
