"""Sign-in and sign-up limits, per (account, address) and per address.

Failed sign-ins are counted per (account, address) and per address; past either limit that
address gets 429 for that account without its password being checked. Nothing is counted per
account alone: a stranger failing on purpose from elsewhere cannot lock the owner out.
"""

from __future__ import annotations

from django.conf import settings

from accounts.throttling import AttemptLimit


def _limits() -> tuple[AttemptLimit, AttemptLimit, AttemptLimit]:
    return (
        AttemptLimit.parse("sign-in-account-ip", settings.ARENA_SIGN_IN_FAILURES_PER_ACCOUNT_IP),
        AttemptLimit.parse("sign-in-ip", settings.ARENA_SIGN_IN_FAILURES_PER_IP),
        AttemptLimit.parse("sign-up-ip", settings.ARENA_SIGN_UPS_PER_IP),
    )


def _account_key(username: str, ip: str) -> str:
    return f"{username.strip().casefold()}|{ip}"


def sign_in_retry_after(*, username: str, ip: str) -> int | None:
    """Seconds this address must wait before trying this account again, or None."""
    per_account_ip, per_ip, _ = _limits()
    waits = [w for w in (per_account_ip.retry_after(_account_key(username, ip)), per_ip.retry_after(ip)) if w]
    return max(waits) if waits else None


def sign_in_failed(*, username: str, ip: str) -> None:
    per_account_ip, per_ip, _ = _limits()
    per_account_ip.hit(_account_key(username, ip))
    per_ip.hit(ip)


def sign_in_succeeded(*, username: str, ip: str) -> None:
    # the owner's own typos are forgotten once they get in; the per-address count stays
    _limits()[0].clear(_account_key(username, ip))


def sign_up_retry_after(*, ip: str) -> int | None:
    return _limits()[2].retry_after(ip)


def sign_up_attempted(*, ip: str) -> None:
    _limits()[2].hit(ip)
