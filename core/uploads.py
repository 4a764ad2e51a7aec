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


def check_attachment(upload) -> str:
    """The content type of an acceptable upload, judged by name, size and the file's first bytes."""
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
    return content_type


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
