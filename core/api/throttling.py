"""Request budgets for every API caller: each token, each user logged in by session, each anonymous client address.

Rates are ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (``API_TOKEN_RATE``, ``API_SESSION_RATE``,
``API_ANONYMOUS_RATE``), read when a request is checked rather than when this module is imported as DRF does, so a
changed setting applies at once. A caller is counted by exactly one of the three classes.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from core.http import client_ip
from core.models import ApiToken


class _RatesFromSettings:
    """``THROTTLE_RATES`` looked up on each use (DRF copies the setting once, at import)."""

    def __get__(self, instance, owner):
        return api_settings.DEFAULT_THROTTLE_RATES


class _Throttle(SimpleRateThrottle):
    THROTTLE_RATES = _RatesFromSettings()


class TokenRateThrottle(_Throttle):
    """Each API token has its own request budget (rate "token")."""

    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        return None


class SessionRateThrottle(_Throttle):
    """Each user logged in by session (the browser's pages, or a script holding the session cookie) has one budget,
    whatever the browser or address (rate "session")."""

    scope = "session"

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        if isinstance(request.auth, ApiToken) or not (user and user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}


class AnonymousRateThrottle(_Throttle):
    """Each client address without a login (the public endpoints, the schema) has one budget (rate "anonymous").
    The address is the client's behind ``TRUSTED_PROXY_COUNT`` proxies, as for the login lockout: a spoofed
    X-Forwarded-For entry buys no fresh budget."""

    scope = "anonymous"

    def get_cache_key(self, request, view):
        user = getattr(request, "user", None)
        if user and user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_ip(request) or "unknown"}
