"""Rate limits counted in the shared cache (CACHES["default"]: the database cache unless
CACHE_URL names Redis), so every web process counts against the same limit.

A fixed window per (scope, who, window): one increment per request. Cheaper than DRF's
sliding history (a list read and written back on every request) and, on Redis, atomic.
Over the limit the answer is 429 with Retry-After (DRF adds it from wait()).

On Redis a count is one round trip (SET NX EX and INCRBY in one MULTI) on a client kept for
the process: Django's cache.incr() builds a client per call and asks EXISTS first, which cost
a fifth of a status poll. The key and the stored integer are those of cache.add() and
cache.incr(), so both ways count against the same number.
"""

from __future__ import annotations

import threading
import time

import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import BaseThrottle

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """ "600/min" -> (600, 60)."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[0]]


_redis_clients: dict[str, redis.Redis] = {}
_redis_clients_lock = threading.Lock()


def _redis_client() -> redis.Redis | None:
    """A client of the default cache's server (the one Django writes to), or None if the
    cache is not Redis. One per process and server: redis-py's clients are thread-safe."""
    default = caches["default"]
    if not isinstance(default, RedisCache):
        return None
    location = default._servers[0]
    client = _redis_clients.get(location)
    if client is None:
        with _redis_clients_lock:
            client = _redis_clients.setdefault(location, redis.Redis.from_url(location))
    return client


def _count(key: str, cost: int, period: int) -> int:
    """Add cost to the window's counter; its total so far."""
    client = _redis_client()
    if client is not None:
        with client.pipeline(transaction=True) as pipe:
            pipe.set(cache.make_key(key), 0, ex=period + 1, nx=True)
            pipe.incrby(cache.make_key(key), cost)
            return pipe.execute()[1]
    try:
        return cache.incr(key, cost)
    except ValueError:  # first request of the window
        return cost if cache.add(key, cost, timeout=period + 1) else cache.incr(key, cost)


def _uncount(key: str, cost: int) -> None:
    client = _redis_client()
    if client is not None:
        client.decrby(cache.make_key(key), cost)
    else:
        cache.decr(key, cost)


def count_request(*, scope: str, who: str, rate: str, cost: int = 1) -> float | None:
    """Count a request of `who` against `rate` ("1200/min"): None if it is allowed, else the
    seconds until the window ends (the request counted nothing if it cost more than one)."""
    limit, period = parse_rate(rate)
    now = time.time()
    key = f"throttle:{scope}:{who}:{int(now // period)}"
    if _count(key, cost, period) <= limit:
        return None
    if cost > 1:
        _uncount(key, cost)  # a refused batch uses none of the quota
    return period - (now % period)


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
