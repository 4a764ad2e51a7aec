from django.urls import path

from . import views

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
]
