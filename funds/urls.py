from django.urls import path

from . import views

urlpatterns = [
    path("funds/", views.funds_overview, name="funds"),
    path("funds/budgets/new/", views.budget_edit, name="fund-budget-create"),
    path("funds/budgets/<int:year>/edit/", views.budget_edit, name="fund-budget-edit"),
    path("funds/budgets/attachments/<int:pk>/", views.budget_attachment, name="fund-budget-attachment"),
    path(
        "funds/budgets/attachments/<int:pk>/delete/",
        views.budget_attachment_delete,
        name="fund-budget-attachment-delete",
    ),
    path("funds/allocations/", views.allocation_list, name="fund-allocation-list"),
    path("funds/allocations/new/", views.allocation_create, name="fund-allocation-create"),
    path("funds/allocations/<int:pk>/", views.allocation_detail, name="fund-allocation-detail"),
    path("funds/allocations/<int:pk>/edit/", views.allocation_edit, name="fund-allocation-edit"),
    path(
        "funds/allocations/<int:pk>/do/<slug:action>/",
        views.allocation_transition,
        name="fund-allocation-transition",
    ),
    path("funds/allocations/<int:pk>/delete/", views.allocation_delete, name="fund-allocation-delete"),
    path("funds/allocations/attachments/<int:pk>/", views.allocation_attachment, name="fund-allocation-attachment"),
    path(
        "funds/allocations/attachments/<int:pk>/delete/",
        views.allocation_attachment_delete,
        name="fund-allocation-attachment-delete",
    ),
]
