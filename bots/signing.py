"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>" with the token's webhook secret.

Headers of every delivery attempt:

    X-Arena-Delivery:  the delivery's id (the same on every retry: remember it to drop replays)
    X-Arena-Timestamp: Unix seconds when this attempt was signed (refuse old ones)
    X-Arena-Signature: sha256=<hex digest>

arena_client.webhooks.verify() is the receiver's side of the same rule.
"""

from __future__ import annotations

import hashlib
import hmac


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed_headers(*, secret: str, delivery_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "arena-webhooks/1",
        "X-Arena-Delivery": delivery_id,
        "X-Arena-Timestamp": str(timestamp),
        "X-Arena-Signature": signature(secret=secret, timestamp=timestamp, body=body),
    }
