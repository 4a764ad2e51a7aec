"""Hardening of the shared platform (issue 11): uploads, throttling, the image's defaults."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core.uploads import check_attachment

from .factories import pdf_bytes, png_bytes

# --- finding 11: attachments are checked as a whole, not by their first bytes --------------------------------


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_a_real_pdf_passes():
    assert check_attachment(upload("证明.pdf", pdf_bytes("certificate"))) == "application/pdf"


def test_a_real_png_passes():
    assert check_attachment(upload("照片.png", png_bytes())) == "image/png"


def test_a_real_jpeg_passes():
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 90, 200)).save(buffer, format="JPEG")
    assert check_attachment(upload("照片.jpg", buffer.getvalue())) == "image/jpeg"


def test_a_real_xlsx_passes():
    from openpyxl import Workbook

    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["企业", 1])
    workbook.save(buffer)
    assert check_attachment(upload("明细.xlsx", buffer.getvalue())).endswith("spreadsheetml.sheet")


def test_the_checked_upload_is_rewound_for_storing():
    content = pdf_bytes()
    f = upload("证明.pdf", content)
    check_attachment(f)
    assert f.read() == content


@pytest.mark.parametrize(
    "name,content",
    [
        ("证明.pdf", b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>\n"),
        ("证明.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"),  # header and trailer, no document
        ("证明.pdf", pdf_bytes()[:200]),  # truncated
        ("照片.png", b"\x89PNG\r\n\x1a\n" + b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("照片.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20),
        ("照片.png", png_bytes((64, 64))[:-30]),  # truncated
        ("照片.jpg", b"\xff\xd8\xff\xe0" + b"<html>not an image</html>"),
        ("照片.jpg", png_bytes()),  # a PNG named .jpg fails on the signature already
        ("明细.xlsx", b"PK\x03\x04" + b"x" * 200),
    ],
)
def test_a_file_that_only_starts_like_its_type_is_refused(name, content):
    with pytest.raises(ValidationError) as info:
        check_attachment(upload(name, content))
    assert "file" in info.value.error_dict


def test_an_xlsx_zip_bomb_is_refused(settings):
    settings.IMPORT_MAX_UNPACKED_BYTES = 10 * 2**20
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (50 * 2**20))  # 50 MB of blanks, ~50 KB packed
    content = buffer.getvalue()
    assert len(content) < 200_000
    with pytest.raises(ValidationError, match="解压后过大"):
        check_attachment(upload("明细.xlsx", content))


def test_an_image_too_large_to_decode_is_refused_from_its_header(monkeypatch):
    from core import uploads

    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 32 * 32, raising=False)
    with pytest.raises(ValidationError, match="图片尺寸过大"):
        check_attachment(upload("照片.png", png_bytes((64, 64))))


def test_a_fake_pdf_is_refused_through_the_application_page(world, cert, client_for):
    from django.urls import reverse

    app = cert.make("draft")
    response = client_for("county").post(
        reverse("application-step", kwargs={"pk": app.pk, "step": "attachments"}),
        {"kind": "other", "file": upload("证明.pdf", b"%PDF-1.7\n<html><script>alert(1)</script></html>")},
    )
    assert response.status_code == 400
    assert not app.attachments.exists()
