"""Token authentication against hashed, expiring, revocable tokens (towns.models.ApiToken)."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from core.models import ApiToken

KEYWORD = "Token"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return secrets.token_urlsafe(32)


class HashedTokenAuthentication(BaseAuthentication):
    keyword = KEYWORD

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("令牌格式应为：Token 令牌值。")
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("令牌格式错误。") from None
        token = ApiToken.objects.select_related("user").filter(key_hash=digest(key)).first()
        now = timezone.now()
        if token is None or not token.is_active(now) or not token.user.is_active:
            raise exceptions.AuthenticationFailed("令牌无效、已过期或已吊销。")
        if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=5):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)  # at most one write per 5 minutes
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword
