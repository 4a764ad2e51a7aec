from django.urls import path

from . import county_views, views

urlpatterns = [
    path("tasks/", views.board, name="task-board"),
    path("tasks/matrix/", views.matrix, name="task-matrix"),
    path("tasks/progress-export/", views.progress_export, name="progress-export"),
    path("tasks/<int:number>/", views.task_detail, name="task-detail"),
    path("tasks/<int:number>/measures/new/", views.measure_edit, name="measure-create"),
    path("tasks/<int:number>/measures/<int:pk>/", views.measure_edit, name="measure-edit"),
    path("tasks/<int:number>/plan-copy/", views.plan_copy, name="plan-copy"),
    path("tasks/<int:number>/report/", views.report_edit, name="report-create"),
    path("tasks/<int:number>/report/<int:pk>/", views.report_edit, name="report-edit"),
    path("reports/<int:pk>/", views.report_detail, name="report-detail"),
    path("reports/attachments/<int:pk>/", views.report_attachment, name="report-attachment"),
    path("problems/", views.problem_list, name="problem-list"),
    path("problems/new/", views.problem_create, name="problem-create"),
    path("problems/<int:pk>/", views.problem_detail, name="problem-detail"),
    path("projects/", views.project_list, name="project-list"),
    path("projects/new/", views.project_edit, name="project-create"),
    path("projects/<int:pk>/", views.project_edit, name="project-edit"),
    # the counties' own mechanisms: 一镇一策 and other documents, their task lists, targets (任务12)
    path("counties/mechanisms/", county_views.comparison, name="county-comparison"),
    path("counties/<int:pk>/mechanisms/", county_views.county_mechanisms, name="county-mechanisms"),
    path("counties/<int:pk>/targets/", county_views.county_target_edit, name="county-target-edit"),
    path("county-documents/", county_views.document_list, name="county-document-list"),
    path("county-documents/new/", county_views.document_edit, name="county-document-create"),
    path("county-documents/<int:pk>/", county_views.document_detail, name="county-document-detail"),
    path("county-documents/<int:pk>/edit/", county_views.document_edit, name="county-document-edit"),
    path(
        "county-documents/<int:pk>/<slug:action>/",
        county_views.document_transition,
        name="county-document-transition",
    ),
    path("county-documents/files/<int:pk>/", county_views.document_attachment, name="county-document-attachment"),
    path(
        "county-documents/files/<int:pk>/delete/",
        county_views.document_attachment_delete,
        name="county-document-attachment-delete",
    ),
    path("county-tasks/new/", county_views.task_edit, name="county-task-create"),
    path("county-tasks/<int:pk>/", county_views.task_detail, name="county-task-detail"),
    path("county-tasks/<int:pk>/edit/", county_views.task_edit, name="county-task-edit"),
    path("county-tasks/<int:pk>/report/", county_views.task_report_edit, name="county-task-report-create"),
    path(
        "county-tasks/<int:pk>/report/<int:report_pk>/",
        county_views.task_report_edit,
        name="county-task-report-edit",
    ),
    path("county-tasks/files/<int:pk>/", county_views.task_report_attachment, name="county-task-report-attachment"),
]
