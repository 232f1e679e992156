"""For a webhook receiver: check a delivery's signature and drop replays.

    guard = ReplayGuard()
    if not verify(secret, headers, body) or not guard.first_time(headers["X-Arena-Delivery"]):
        return 400

The signature is HMAC-SHA256 of "<X-Arena-Timestamp>.<body>" with the token's webhook secret.
A delivery is retried with the same X-Arena-Delivery id and a new timestamp: a receiver that
remembers ids processes each event once, and one older than `tolerance` is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import OrderedDict


def verify(secret: str, headers, body: bytes, *, tolerance: float = 300, now: float | None = None) -> bool:
    try:
        timestamp = int(headers["X-Arena-Timestamp"])
        received = headers["X-Arena-Signature"]
    except (KeyError, ValueError, TypeError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)


class ReplayGuard:
    """Remembers the last `size` delivery ids (keep them at least as long as `tolerance`)."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self.seen: OrderedDict[str, None] = OrderedDict()

    def first_time(self, delivery_id: str) -> bool:
        if delivery_id in self.seen:
            return False
        self.seen[delivery_id] = None
        if len(self.seen) > self.size:
            self.seen.popitem(last=False)
        return True
