"""Rate limits counted in the shared cache (CACHES["default"]: the database cache unless
CACHE_URL names Redis), so every web process counts against the same limit.

A fixed window per (scope, who, window): one increment per request. Cheaper than DRF's
sliding history (a list read and written back on every request) and, on Redis, atomic.
Over the limit the answer is 429 with Retry-After (DRF adds it from wait()).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "600/min" -> (600, 60)."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[0]]


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
        limit, period = parse_rate(getattr(settings, self.rate_setting))
        now = time.time()
        key = f"throttle:{self.scope}:{who}:{int(now // period)}"
        try:
            count = cache.incr(key, cost)
        except ValueError:  # first request of the window
            count = cost if cache.add(key, cost, timeout=period + 1) else cache.incr(key, cost)
        if count > limit:
            if cost > 1:
                cache.decr(key, cost)  # a refused batch uses none of the quota
            self._wait = period - (now % period)
            return False
        return True

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
