from django.urls import path

from . import views, views_reexam

urlpatterns = [
    path("certification/", views.application_list, name="application-list"),
    path("certification/new/", views.application_start, name="application-start"),
    path("certification/assign/", views.experts_assign, name="experts-assign"),
    path("certification/<int:pk>/", views.application_detail, name="application-detail"),
    path("certification/<int:pk>/edit/<slug:step>/", views.application_step, name="application-step"),
    path("certification/<int:pk>/submit/", views.application_submit, name="application-submit"),
    path("certification/<int:pk>/versions/", views.application_versions, name="application-versions"),
    path("certification/<int:pk>/review/", views.expert_review, name="expert-review"),
    path("certification/<int:pk>/decision/", views.decision_letter, name="decision-letter"),
    path("certification/<int:pk>/<slug:action>/", views.application_transition, name="application-transition"),
    path("certification/attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("certification/attachments/<int:pk>/delete/", views.attachment_delete, name="attachment-delete"),
    path("certification/notices/", views.notice_list, name="notice-list"),
    path("certification/notices/new/", views.notice_publish, name="notice-publish"),
    path("certification/notices/<int:pk>/", views.notice_detail, name="notice-detail"),
    path("certification/reviews/<int:cycle_pk>/export/", views.reviews_export, name="reviews-export"),
    path("certification/provincial/", views.provincial, name="provincial"),
    path("certification/provincial/<int:pk>/designate/", views.provincial_designate, name="provincial-designate"),
    path("certification/policies/", views.policy_list, name="policy-list"),
    path("certification/cycles/new/", views.cycle_edit, name="cycle-create"),
    path("certification/cycles/<int:pk>/", views.cycle_edit, name="cycle-edit"),
    path("certification/provincial/recommend/", views.provincial_recommend, name="provincial-recommend"),
    path("public/notices/", views.public_notices, name="public-notices"),
    path("public/notices/<int:pk>/", views.public_notice, name="public-notice"),
    path("public/certificates/", views.certificate_list, name="certificate-list"),
    path("public/certificates/<int:pk>/", views.certificate_detail, name="certificate-detail"),
    path("public/certificates/<int:pk>/pdf/", views.certificate_pdf, name="certificate-pdf"),
    path("certification/certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate-revoke"),
]

urlpatterns += [
    path("certification/reexaminations/", views_reexam.reexamination_list, name="reexamination-list"),
    path("certification/reexaminations/<int:pk>/", views_reexam.reexamination_detail, name="reexamination-detail"),
    path(
        "certification/reexaminations/<int:pk>/<slug:action>/",
        views_reexam.reexamination_decide,
        name="reexamination-decide",
    ),
]
