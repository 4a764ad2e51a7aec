"""Official documents (证书, 决定书, 督办通知书, …): one text, rendered as the page and as the PDF.

Each app builds a :class:`Document` from its object (the wording lives there, in gettext); the page includes
``includes/document.html`` and the download calls :func:`pdf_response`. So the page and the PDF cannot drift,
and a long text flows onto further pages instead of being cut off.

Chinese text uses the Adobe CID font STSong-Light, which PDF readers supply themselves: nothing is downloaded
and no font file is shipped.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from django.http import HttpResponse
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
RED = (0.65, 0.1, 0.1)


def chinese_date(day: datetime.date | None) -> str:
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


@dataclass(frozen=True)
class Block:
    """A paragraph, or (``items``) a numbered list; ``warning`` prints it in red (e.g. a revocation)."""

    text: str = ""
    items: Sequence[str] = ()
    warning: bool = False


@dataclass(frozen=True)
class Document:
    title: str
    number: str  # 文号 / 编号, printed under the title
    issuer: str
    issued_on: datetime.date | None
    filename: str
    addressee: str = ""  # printed as "<addressee>："
    body: Sequence[Block] = field(default_factory=tuple)
    certificate: bool = False  # a landscape certificate with a red frame instead of a letter

    @property
    def date_text(self) -> str:
        return chinese_date(self.issued_on)


# Chinese line breaking (禁则): these never begin a line; they stay at the end of the previous one.
NO_LINE_START = "，。、；：？！）〕」』”’》〉】…"


def _wrap(text: str, width: float, size: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for char in paragraph:
            if pdfmetrics.stringWidth(line + char, FONT, size) > width and char not in NO_LINE_START:
                lines.append(line)
                line = ""
            line += char
        lines.append(line)
    return lines


def _lines(document: Document) -> list[tuple[str, bool, float]]:
    """(text, red, space after) per printed line: the addressee, then every block, wrapped."""
    out: list[tuple[str, bool]] = []
    if document.addressee:
        out.append((f"{document.addressee}：", False))
    for block in document.body:
        if block.items:
            out.extend((f"{i}. {item}", block.warning) for i, item in enumerate(block.items, start=1))
        else:
            out.append((block.text, block.warning))
    return out


def render_pdf(document: Document) -> bytes:
    pagesize = landscape(A4) if document.certificate else A4
    width, height = pagesize
    margin, size, leading = (35 * mm, 18, 11 * mm) if document.certificate else (25 * mm, 14, 9 * mm)
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=pagesize)
    c.setTitle(f"{document.number} {document.title}")
    page = [0]

    def start_page() -> float:
        page[0] += 1
        if document.certificate:
            c.setStrokeColorRGB(*RED)
            c.setLineWidth(3)
            c.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
        if page[0] > 1:
            c.setFont(FONT, 10)
            c.drawCentredString(width / 2, 15 * mm, f"{document.number} 第{page[0]}页")
            return height - 25 * mm
        c.setFillColorRGB(*RED)
        c.setFont(FONT, 30 if document.certificate else 22)
        c.drawCentredString(width / 2, height - 40 * mm, document.title)
        c.setFillColorRGB(0, 0, 0)
        c.setFont(FONT, 12)
        c.drawCentredString(width / 2, height - 50 * mm, document.number)
        return height - 68 * mm

    bottom = 25 * mm
    y = start_page()
    for text, red in _lines(document):
        for line in _wrap(text, width - 2 * margin, size):
            if y < bottom:
                c.showPage()
                y = start_page()
            c.setFont(FONT, size)
            c.setFillColorRGB(*(RED if red else (0, 0, 0)))
            c.drawString(margin, y, line)
            y -= leading
        y -= 3 * mm
    c.setFillColorRGB(0, 0, 0)
    if y - 25 * mm < bottom:  # the issuer and date stay together, on a further page if need be
        c.showPage()
        y = start_page()
    c.setFont(FONT, size)
    c.drawRightString(width - margin, y - 12 * mm, document.issuer)
    c.drawRightString(width - margin, y - 12 * mm - leading, document.date_text)
    c.showPage()
    c.save()
    return buffer.getvalue()


def pdf_response(document: Document) -> HttpResponse:
    response = HttpResponse(render_pdf(document), content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(document.filename)}"
    return response
