"""Counting attempts in fixed windows on the shared cache (CACHES["default"]), so every web
process and host sees the same counts.

Keys hold a digest of what they count (an account name, an address), never the text itself.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class AttemptLimit:
    """At most `count` attempts per `seconds` for one key, e.g. AttemptLimit.parse("5/15m")."""

    scope: str
    count: int
    seconds: int

    @classmethod
    def parse(cls, scope: str, rate: str) -> AttemptLimit:
        count, _, period = rate.partition("/")
        unit = period[-1:] if period[-1:] in _UNITS else "s"
        amount = period[:-1] if period[-1:] in _UNITS else period
        return cls(scope=scope, count=int(count), seconds=int(amount or 1) * _UNITS[unit])

    def _window(self, key: str) -> tuple[str, int]:
        now = int(time.time())
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        return f"throttle:{self.scope}:{digest}:{now // self.seconds}", self.seconds - now % self.seconds

    def retry_after(self, key: str) -> int | None:
        """Seconds until key may try again, or None if it may now."""
        cache_key, left = self._window(key)
        return left if cache.get(cache_key, 0) >= self.count else None

    def hit(self, key: str) -> None:
        cache_key, left = self._window(key)
        # add() then incr(): two processes may both count from zero once per window (the
        # database cache has no atomic increment); the limit is then off by one, never open.
        if not cache.add(cache_key, 1, timeout=left + 1):
            try:
                cache.incr(cache_key)
            except ValueError:  # expired between add and incr
                cache.add(cache_key, 1, timeout=left + 1)

    def clear(self, key: str) -> None:
        cache.delete(self._window(key)[0])


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or with ARENA_PROXY_HOPS = N trusted proxies in
    front, the address the outermost of them saw (N-th from the right of X-Forwarded-For)."""
    hops = settings.ARENA_PROXY_HOPS
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")
