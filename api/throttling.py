"""The API's rate limits (DRF throttles) over lib.rate_limits' fixed windows in the shared cache.

Over the limit the answer is 429 with Retry-After (DRF adds it from wait()).
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import BaseThrottle

from lib.rate_limits import count_request


class FixedWindowThrottle(BaseThrottle):
    scope = ""
    rate_setting = ""

    def identity(self, request, view) -> str | None:
        raise NotImplementedError

    def cost(self, request, view) -> int:
        return 1

    def allow_request(self, request, view) -> bool:
        who = self.identity(request, view)
        cost = self.cost(request, view)
        if who is None or cost == 0:
            return True
        self._wait = count_request(scope=self.scope, who=who, rate=getattr(settings, self.rate_setting), cost=cost)
        return self._wait is None

    def wait(self) -> float:
        return self._wait


class PerIpThrottle(FixedWindowThrottle):
    """Anonymous requests by the client's address (REMOTE_ADDR, or the proxy's X-Forwarded-For
    via DRF's NUM_PROXIES). A signed-in request counts against its account instead: one cache
    write per request, not two (with the database cache each write is a commit)."""

    scope = "ip"
    rate_setting = "ARENA_API_IP_RATE"

    def identity(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.get_ident(request)


class PerUserThrottle(FixedWindowThrottle):
    scope = "user"
    rate_setting = "ARENA_API_USER_RATE"

    def identity(self, request, view) -> str | None:
        return str(request.user.pk) if request.user and request.user.is_authenticated else None


def count_user_request(user_id: int) -> float | None:
    """PerUserThrottle's count, for a request answered outside DRF (api.status_poll): None if
    it is allowed, else the seconds until it would be."""
    return count_request(scope=PerUserThrottle.scope, who=str(user_id), rate=settings.ARENA_API_USER_RATE)


class SubmissionThrottle(FixedWindowThrottle):
    """Submissions per account: a batch costs one per item."""

    scope = "submit"
    rate_setting = "ARENA_API_SUBMISSION_RATE"

    def identity(self, request, view) -> str | None:
        if request.method != "POST" or not request.user.is_authenticated:
            return None
        return str(request.user.pk)

    def cost(self, request, view) -> int:
        return getattr(view, "submission_count", lambda request: 1)(request)
