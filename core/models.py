"""What every app shares: the audit trail, in-portal notifications and API tokens. No app is imported here."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One recorded change: who, when, what, and the values before and after."""

    class Action(models.TextChoices):
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        STATE = "state", _("状态变更")
        IMPORT = "import", _("批量导入")

    timestamp = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("操作人")
    )
    username = models.CharField(_("操作人账号"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("对象类型"))
    object_id = models.CharField(_("对象编号"), max_length=40)
    object_repr = models.CharField(_("对象"), max_length=200)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        ordering = ["-timestamp", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="audit_object_idx")]
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")

    def __str__(self) -> str:
        return f"{self.timestamp:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()} {self.object_repr}"


class Notification(models.Model):
    """An in-portal message to a user (and by email where configured): see core.notify."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    message = models.CharField(_("内容"), max_length=300)
    url = models.CharField(_("链接"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def __str__(self) -> str:
        return self.message


class ApiToken(models.Model):
    """An API consumer's token. Only a SHA-256 digest of the key is stored; the key is shown once, when the
    office issues it. Tokens expire and can be revoked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("接口用户")
    )
    prefix = models.CharField(_("令牌前缀"), max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签发人"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.user} {self.prefix}…"

    def is_active(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now


class ReminderLog(models.Model):
    """One reminder sent: the key makes the daily job idempotent (never the same reminder twice a day)."""

    key = models.CharField(max_length=200, unique=True)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField()

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")

    def __str__(self) -> str:
        return self.key


class DocumentSequence(models.Model):
    """The last number drawn in one numbered series and year (e.g. 运专镇认〔2026〕): see core.numbering."""

    series = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="one_sequence_per_series_year")]
        verbose_name = _("文号序列")
        verbose_name_plural = _("文号序列")

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last}"


def stored_file_path(instance, filename: str) -> str:
    return f"{instance.storage_dir()}/{filename}"


class StoredFile(models.Model):
    """An uploaded file, as every attachment model keeps it: stored with core.uploads.store (type checked by
    content, size limited), served with core.uploads.serve (only through the owner's scoped queryset)."""

    file = models.FileField(_("文件"), upload_to=stored_file_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("类型"), max_length=100)
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.original_name

    def storage_dir(self) -> str:
        raise NotImplementedError
