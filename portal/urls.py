from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_trail, name="audit-trail"),
    path("api-tokens/", views.api_tokens, name="api-tokens"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification-open"),
    path("guide/", views.guide, name="guide"),
]

# Spreadsheet jobs (core.jobs): portal/jobs_views.py
from . import jobs_views  # noqa: E402

urlpatterns += [
    path("jobs/imports/<int:pk>/", jobs_views.import_job, name="import-job"),
    path("jobs/imports/<int:pk>/progress/", jobs_views.import_job_progress, name="import-job-progress"),
    path("jobs/imports/<int:pk>/cancel/", jobs_views.import_job_cancel, name="import-job-cancel"),
    path("jobs/exports/<int:pk>/", jobs_views.export_job, name="export-job"),
    path("jobs/exports/<int:pk>/progress/", jobs_views.export_job_progress, name="export-job-progress"),
    path("jobs/exports/<int:pk>/cancel/", jobs_views.export_job_cancel, name="export-job-cancel"),
    path("jobs/exports/<int:pk>/download/", jobs_views.export_job_download, name="export-job-download"),
]
