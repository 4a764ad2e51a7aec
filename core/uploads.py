"""Uploaded attachments (PDF, images, .xlsx): checked by name, size and content; stored and served one way."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from .models import StoredFile
from .services import validate

ALLOWED_ATTACHMENTS = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
}
# An image is decoded in full to check it: refuse, from its header, one larger than this before decoding
# (50 megapixels: a phone photo or an A3 scan at 600 dpi; about 150 MB once decoded).
MAX_IMAGE_PIXELS = 50_000_000
IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


def check_attachment(upload) -> str:
    """The content type of an acceptable upload, judged by name, size, the file's first bytes and its whole
    structure: a PDF must parse and have pages, an image must decode, an .xlsx must open within the importer's
    limits (a file that only starts like one, e.g. a PDF header followed by HTML, is refused)."""
    name = (upload.name or "").lower()
    ext = name[name.rfind(".") :] if "." in name else ""
    if ext not in ALLOWED_ATTACHMENTS:
        raise ValidationError({"file": _("只接受 PDF、PNG、JPG 图片和 .xlsx 文件。")})
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {"file": _("文件过大，上限为 %(mb)d MB。") % {"mb": settings.ATTACHMENT_MAX_BYTES // 2**20}}
        )
    content_type, signatures = ALLOWED_ATTACHMENTS[ext]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(signatures):
        raise ValidationError({"file": _("文件内容与扩展名不符（不是有效的 %(ext)s 文件）。") % {"ext": ext}})
    try:
        if ext == ".pdf":
            _check_pdf(upload)
        elif ext in IMAGE_FORMATS:
            _check_image(upload, ext)
        else:
            _check_xlsx(upload)
    finally:
        upload.seek(0)
    return content_type


def _invalid(ext: str, reason: str = "") -> ValidationError:
    message = _("文件已损坏或不是有效的 %(ext)s 文件，无法打开。") % {"ext": ext}
    return ValidationError({"file": f"{message}{reason}"})


def _check_pdf(upload) -> None:
    from pypdf import PdfReader

    upload.seek(0)
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ValidationError({"file": _("PDF 文件设有打开密码，请上传未加密的文件。")})
        if len(reader.pages) < 1:
            raise _invalid(".pdf", _("（没有页面）"))
    except ValidationError:
        raise
    except Exception as exc:  # pypdf raises many types (and RecursionError) for malformed files
        raise _invalid(".pdf") from exc


def _check_image(upload, ext: str) -> None:
    from PIL import Image

    expected_format = IMAGE_FORMATS[ext]
    try:
        upload.seek(0)
        with Image.open(upload, formats=[expected_format]) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError(
                    {
                        "file": _("图片尺寸过大（%(w)d×%(h)d 像素），上限为 %(mp)d 百万像素。")
                        % {"w": width, "h": height, "mp": MAX_IMAGE_PIXELS // 1_000_000}
                    }
                )
            image.verify()  # the chunks and their checksums (PNG)
        upload.seek(0)
        with Image.open(upload, formats=[expected_format]) as image:
            image.load()  # every pixel decodes (a truncated or padded image fails here)
    except ValidationError:
        raise
    except Exception as exc:  # Pillow raises many types for malformed files
        raise _invalid(ext) from exc


def _check_xlsx(upload) -> None:
    from openpyxl import load_workbook

    from .spreadsheets import SpreadsheetRejected, check_upload

    try:
        check_upload(upload)  # zip structure, unpacked size within the importer's limit, a worksheet present
    except SpreadsheetRejected as exc:
        raise ValidationError({"file": str(exc)}) from exc
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
        workbook.close()
    except Exception as exc:  # openpyxl raises many types for malformed files
        raise _invalid(".xlsx") from exc


def store(model: type[StoredFile], *, upload, **fields) -> StoredFile:
    """Check an upload and save it as a ``model`` row (an attachment of ``fields``' owner). The caller's service
    holds the transaction, checks the owner is the user's to change, and logs it."""
    attachment = model(
        file=upload, original_name=upload.name[:200], size=upload.size, content_type=check_attachment(upload), **fields
    )
    validate(attachment)
    attachment.save()
    return attachment


def serve(queryset, pk) -> FileResponse:
    """Download an attachment found in ``queryset`` (the owner's selector, scoped to the user: else 404)."""
    attachment = get_object_or_404(queryset, pk=pk)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
