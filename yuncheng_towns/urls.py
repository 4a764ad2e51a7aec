from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from core.api.schema_view import SchemaView

from . import health

admin.site.site_header = "运城市专业镇服务平台 · 管理后台"
admin.site.site_title = "专业镇管理后台"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("yuncheng_towns.api_urls")),
    path("api/schema/", SchemaView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("certification.urls")),
    path("", include("tasks_registry.urls")),
    path("", include("evaluation.urls")),
    path("", include("targets.urls")),
    path("", include("chains.urls")),
    path("", include("funds.urls")),
    path("", include("portal.urls")),
    path("", include("towns.urls")),
]
