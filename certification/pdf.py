"""Printable documents as PDF (reportlab). Chinese text uses the Adobe CID font STSong-Light,
which PDF readers supply themselves, so nothing is downloaded and no font file is shipped."""

from __future__ import annotations

import io

from django.utils import timezone
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

ISSUER = "运城市专业镇发展领导小组办公室"


def _date(d) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _wrap(text: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for char in paragraph:
            if pdfmetrics.stringWidth(line + char, FONT, size) > width:
                lines.append(line)
                line = ""
            line += char
        lines.append(line)
    return lines


def certificate_pdf(certificate) -> bytes:
    buffer = io.BytesIO()
    width, height = landscape(A4)
    c = canvas.Canvas(buffer, pagesize=(width, height))
    c.setTitle(f"{certificate.number} {certificate.town.name}")
    c.setStrokeColorRGB(0.65, 0.1, 0.1)
    c.setLineWidth(3)
    c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    c.setFillColorRGB(0.65, 0.1, 0.1)
    c.setFont(FONT, 32)
    title = "运城市专业镇认定证书" if certificate.is_valid else "运城市专业镇认定证书（已撤销）"
    c.drawCentredString(width / 2, height - 45 * mm, title)
    c.setFillColorRGB(0, 0, 0)
    c.setFont(FONT, 13)
    c.drawRightString(width - 25 * mm, height - 25 * mm, f"证书编号：{certificate.number}")
    c.setFont(FONT, 20)
    body = (
        f"{certificate.town.name}专业镇，经{certificate.cycle.name}"
        f"评审、公示，认定为{certificate.get_tier_display() if certificate.tier == 'city' else '推荐省级专业镇'}。"
    )
    y = height - 80 * mm
    for line in _wrap(body, width - 70 * mm, 20):
        c.drawString(35 * mm, y, line)
        y -= 12 * mm
    c.setFont(FONT, 14)
    c.drawString(35 * mm, y - 6 * mm, f"有效期：{_date(certificate.issued_on)}至{_date(certificate.valid_until)}")
    if not certificate.is_valid:
        c.setFillColorRGB(0.75, 0.1, 0.1)
        c.drawString(35 * mm, y - 18 * mm, f"已于{_date(certificate.revoked_on)}撤销：{certificate.revoke_reason[:60]}")
        c.setFillColorRGB(0, 0, 0)
    c.setFont(FONT, 16)
    c.drawRightString(width - 35 * mm, 40 * mm, ISSUER)
    c.drawRightString(width - 35 * mm, 30 * mm, _date(certificate.issued_on))
    c.showPage()
    c.save()
    return buffer.getvalue()


def decision_letter_pdf(app) -> bytes:
    buffer = io.BytesIO()
    width, height = A4
    c = canvas.Canvas(buffer, pagesize=A4)
    c.setTitle(f"{app.number} 不予认定决定书")
    c.setFont(FONT, 22)
    c.drawCentredString(width / 2, height - 35 * mm, "专业镇认定决定书")
    c.setFont(FONT, 12)
    c.drawCentredString(width / 2, height - 45 * mm, f"（申报编号 {app.number}）")
    c.setFont(FONT, 14)
    y = height - 65 * mm
    paragraphs = [
        f"{app.county.name}人民政府：",
        f"你单位申报的“{app.town.name}”（{app.cycle.name}），经形式审查和评审，决定不予认定。",
        f"理由：{app.decision_reason}",
        "如对本决定有异议，可在收到本决定之日起三十日内向市专业镇发展领导小组办公室提出。",
    ]
    for paragraph in paragraphs:
        for line in _wrap(paragraph, width - 50 * mm, 14):
            c.drawString(25 * mm, y, line)
            y -= 9 * mm
        y -= 4 * mm
    c.drawRightString(width - 25 * mm, y - 20 * mm, ISSUER)
    c.drawRightString(
        width - 25 * mm, y - 30 * mm, _date(timezone.localtime(app.decided_at).date()) if app.decided_at else ""
    )
    c.showPage()
    c.save()
    return buffer.getvalue()
