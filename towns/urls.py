from django.urls import path

from . import views

urlpatterns = [
    path("counties/", views.county_list, name="county-list"),
    path("counties/<int:pk>/", views.county_detail, name="county-detail"),
    path("towns/", views.town_list, name="town-list"),
    path("towns/<int:pk>/", views.town_detail, name="town-detail"),
    path("towns/<int:pk>/figures/new/", views.town_figures_edit, name="town-figures-new"),
    path("towns/<int:pk>/figures/<int:figures_pk>/edit/", views.town_figures_edit, name="town-figures-edit"),
    path("towns/<int:pk>/tier/", views.town_tier_change, name="town-tier-change"),
    path("towns/<int:pk>/baseline-year/", views.town_baseline_year, name="town-baseline-year"),
    path("towns/<int:pk>/evidence/new/", views.town_evidence_new, name="town-evidence-new"),
    path("towns/evidence/<int:pk>/withdraw/", views.town_evidence_withdraw, name="town-evidence-withdraw"),
    path("towns/evidence/files/<int:pk>/", views.town_evidence_file, name="town-evidence-file"),
    path("enterprises/", views.enterprise_list, name="enterprise-list"),
    path("enterprises/new/", views.enterprise_create, name="enterprise-create"),
    path("enterprises/import/", views.enterprise_import, name="enterprise-import"),
    path("enterprises/import/template/", views.enterprise_import_template, name="enterprise-import-template"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise-detail"),
    path("enterprises/<int:pk>/edit/", views.enterprise_edit, name="enterprise-edit"),
    path("enterprises/<int:pk>/delete/", views.enterprise_delete, name="enterprise-delete"),
    path("enterprises/<int:pk>/figures/new/", views.enterprise_figures_edit, name="enterprise-figures-new"),
    path(
        "enterprises/<int:pk>/figures/<int:figures_pk>/edit/",
        views.enterprise_figures_edit,
        name="enterprise-figures-edit",
    ),
]
