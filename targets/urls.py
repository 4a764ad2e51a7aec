from django.urls import path

from . import views

urlpatterns = [
    path("targets/", views.targets_overview, name="targets"),
    path("targets/<slug:key>/", views.target_rows, name="target-rows"),
]
