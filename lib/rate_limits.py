"""Fixed-window rate counts in the shared cache (CACHES["default"]: the database cache unless
CACHE_URL names Redis), so every web process counts against the same limit: the API's throttles
(api/throttling.py) and the checks' one limit (submissions/checks.py) count here.

A fixed window per (scope, who, window): one increment per request. Cheaper than DRF's
sliding history (a list read and written back on every request) and, on Redis, atomic.

On Redis a count is one round trip (SET NX EX and INCRBY in one MULTI) on a client kept for
the process: Django's cache.incr() builds a client per call and asks EXISTS first, which cost
a fifth of a status poll. The key and the stored integer are those of cache.add() and
cache.incr(), so both ways count against the same number.
"""

from __future__ import annotations

import threading
import time

import redis
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache

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
