"""Spreadsheet jobs: an upload being imported, or a large list being exported, run by Celery (core.jobs)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SheetJob(models.Model):
    """What both kinds of job share: whose it is, where it stands, and what the user sees of it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("未完成")
        CANCELLED = "cancelled", _("已取消")

    FINISHED = (Status.DONE, Status.FAILED, Status.CANCELLED)

    kind = models.CharField(_("类型"), max_length=40)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("发起人")
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(_("总行数"), null=True, blank=True)
    rows_written = models.PositiveIntegerField(_("已写入行数"), default=0)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    cancel_requested = models.BooleanField(_("已请求取消"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    @property
    def finished(self) -> bool:
        return self.status in self.FINISHED


def import_upload_path(instance, filename: str) -> str:
    return f"jobs/imports/{instance.user_id}/{filename}"


def export_file_path(instance, filename: str) -> str:
    return f"jobs/exports/{instance.user_id}/{filename}"


class ImportJob(SheetJob):
    """An uploaded table being read, checked and written, all rows or none. The upload is deleted when the
    job ends; the errors found (row, column, message) are kept for the user to read."""

    file = models.FileField(_("上传文件"), upload_to=import_upload_path, blank=True)
    original_name = models.CharField(_("文件名"), max_length=200)
    rows_read = models.PositiveIntegerField(_("已读取行数"), default=0)
    rows_checked = models.PositiveIntegerField(_("已检查行数"), default=0)
    error_count = models.PositiveIntegerField(_("错误数"), default=0)
    errors = models.JSONField(_("错误（行、列、问题）"), default=list, blank=True)
    summary = models.JSONField(_("结果"), default=dict, blank=True)

    class Meta(SheetJob.Meta):
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")

    def __str__(self) -> str:
        return f"{self.original_name}（{self.get_status_display()}）"


class ExportJob(SheetJob):
    """A large list export written in the background; the file is kept for its user to download."""

    query = models.CharField(_("筛选条件"), max_length=2000, blank=True)
    filename = models.CharField(_("文件名"), max_length=200)
    file = models.FileField(_("导出文件"), upload_to=export_file_path, blank=True)

    class Meta(SheetJob.Meta):
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")

    def __str__(self) -> str:
        return f"{self.filename}（{self.get_status_display()}）"
