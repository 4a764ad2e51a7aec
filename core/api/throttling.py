from rest_framework.throttling import SimpleRateThrottle

from core.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """Each API token has its own request budget (settings REST_FRAMEWORK DEFAULT_THROTTLE_RATES["token"])."""

    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}
        return None  # browser sessions are not throttled by this class
