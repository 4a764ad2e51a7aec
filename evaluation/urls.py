from django.urls import path

from . import views

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
]
