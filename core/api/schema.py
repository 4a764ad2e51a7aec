"""How the API looks in its OpenAPI schema (drf-spectacular): the token scheme, the error bodies, and the error
responses every operation can answer (settings REST_FRAMEWORK DEFAULT_SCHEMA_CLASS)."""

import uritemplate
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated

from .serializers import ErrorOutput, ValidationErrorOutput


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "core.api.authentication.HashedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "令牌认证：`Token 令牌值`（令牌由领导小组办公室签发，有效期届满或吊销后失效）。",
        }


class ValidationErrorScheme(OpenApiSerializerExtension):
    """{"field": ["message", ...], ...}: a map from field name to its messages."""

    target_class = ValidationErrorOutput

    def map_serializer(self, auto_schema, direction):
        return {
            "type": "object",
            "description": "按字段列出的错误；与单个字段无关的错误在 non_field_errors 下。",
            "minProperties": 1,
            "additionalProperties": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        }


# A 400 names the invalid fields, except when the body is not JSON at all (DRF's ParseError: {"detail": ...}).
BAD_REQUEST = PolymorphicProxySerializer(
    component_name="BadRequestOutput",
    serializers=[ValidationErrorOutput, ErrorOutput],
    resource_type_field_name=None,
    many=False,
)


def error(description) -> OpenApiResponse:
    """An error answered as {"detail": ...}, for a view to declare one of its own (a 409, say)."""
    return OpenApiResponse(ErrorOutput, description=description)


class AutoSchema(SpectacularAutoSchema):
    """Adds to every operation the errors that the API's shared machinery answers, decided from the view itself:
    a body or filters (400), authentication (401), permissions and CSRF (403), a path's object or a page (404),
    the body's media type (415), the token's request budget (429), the database being down (503). An error a
    view declares with @extend_schema (a 409, a 404 for an object the body names) is kept as declared."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:  # excluded from the schema
            return None
        responses = operation["responses"]
        for status, response in self._shared_errors(has_body="requestBody" in operation).items():
            # private helper of drf-spectacular (pinned in requirements.txt): resolves components and media types
            responses.setdefault(str(status), self._get_response_for_code(response, str(status)))
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _shared_errors(self, *, has_body: bool) -> dict[int, OpenApiResponse]:
        view = self.view
        authenticators = view.get_authenticators()
        errors = {}
        if has_body:
            errors[400] = OpenApiResponse(BAD_REQUEST, description=_("请求体有误（按字段列出），或无法解析。"))
        elif self._get_filter_parameters():  # django-filter's backend answers an invalid value 400
            errors[400] = OpenApiResponse(BAD_REQUEST, description=_("筛选参数有误（按参数列出）。"))
        if authenticators:  # a token that is wrong, expired or revoked is refused even where anyone may read
            errors[401] = error(_("未认证：缺少令牌，或令牌无效、已过期、已吊销。"))
            role_checked = any(type(p) not in (AllowAny, IsAuthenticated) for p in view.get_permissions())
            csrf_checked = self.method not in SAFE_METHODS and any(
                isinstance(a, SessionAuthentication) for a in authenticators
            )
            if role_checked or csrf_checked:
                errors[403] = error(_("无权执行此操作：账号没有相应角色；或以登录会话写入而缺少 CSRF 令牌。"))
        if view.get_throttles():  # every caller has a budget: each token, session user, anonymous address
            errors[429] = error(
                _("请求过于频繁（按令牌、登录用户或匿名访问地址计），请按响应头 Retry-After 所示秒数后再试。")
            )
        not_found = []
        if uritemplate.variables(self.path):
            not_found.append(_("路径所指对象不存在，或不在本账号的数据范围内"))
        if self._is_list_view() and self._get_paginator():
            not_found.append(_("page 超出末页"))
        if not_found:
            errors[404] = error("；".join(str(reason) for reason in not_found) + "。")
        if has_body:
            errors[415] = error(_("请求体的 Content-Type 不受支持。"))
        # yuncheng_towns.middleware.DatabaseUnavailableMiddleware, for every operation
        errors[503] = error(_("数据库暂时不可用（如正在重启），操作未保存；请按响应头 Retry-After 所示秒数后重试。"))
        return errors
