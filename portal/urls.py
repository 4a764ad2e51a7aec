from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", views.audit_trail, name="audit-trail"),
    path("api-tokens/", views.api_tokens, name="api-tokens"),
    path("notifications/", views.notifications, name="notifications"),
]
