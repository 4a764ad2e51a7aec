from django.urls import path

from . import assessment_views, inspection_views, views

urlpatterns = [
    path("evaluation/", views.evaluation_list, name="evaluation-list"),
    path("evaluation/schedule/", views.evaluation_schedule, name="evaluation-schedule"),
    path("evaluation/config/<int:year>/", views.evaluation_config, name="evaluation-config"),
    path("evaluation/<int:pk>/", views.evaluation_detail, name="evaluation-detail"),
    path("evaluation/<int:pk>/publish/", views.evaluation_publish, name="evaluation-publish"),
    path("supervision/", views.notice_list, name="supervision-notices"),
    path("supervision/<int:pk>/", views.notice_detail, name="supervision-notice"),
    path(
        "supervision/attachments/<int:pk>/",
        views.rectification_attachment,
        name="rectification-attachment",
    ),
    path("inspections/", inspection_views.inspection_list, name="inspection-list"),
    path("inspections/new/", inspection_views.inspection_create, name="inspection-create"),
    path("inspections/<int:pk>/", inspection_views.inspection_detail, name="inspection-detail"),
    path("inspections/<int:pk>/edit/", inspection_views.inspection_edit, name="inspection-edit"),
    path("inspections/<int:pk>/report/", inspection_views.inspection_report, name="inspection-report"),
    path(
        "inspections/<int:pk>/do/<slug:action>/",
        inspection_views.inspection_transition,
        name="inspection-transition",
    ),
    path(
        "inspections/<int:pk>/findings/<int:town_pk>/<int:item_pk>/",
        inspection_views.finding_record,
        name="inspection-finding",
    ),
    path("inspections/attachments/<int:pk>/", inspection_views.finding_attachment, name="inspection-attachment"),
    # the annual assessment of counties and city bureaus (年度考核)
    path("assessments/", assessment_views.assessment_list, name="assessment-list"),
    path("assessments/config/<int:year>/", assessment_views.assessment_config, name="assessment-config"),
    path("assessments/<int:pk>/", assessment_views.assessment_detail, name="assessment-detail"),
    path("assessments/<int:pk>/publish/", assessment_views.assessment_publish, name="assessment-publish"),
    path("assessments/results/<int:pk>/", assessment_views.assessment_result, name="assessment-result"),
]
