"""Official documents as downloads."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
