"""POST to a user's callback URL without letting it reach inside our network.

The host name is resolved once and each address checked; the check is repeated on the address
the socket actually connected to (so a DNS answer that changes between the check and the
connection, "DNS rebinding", cannot slip through), and the request is sent over that socket.
Redirects are never followed: a 3xx is a failed attempt. Loopback and private addresses are
refused unless ARENA_WEBHOOK_ALLOW_PRIVATE_ADDRESSES (tests and local development only).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

from django.conf import settings

MAX_RESPONSE_BYTES = 64 * 1024


class DeliveryRefused(Exception):
    """The URL or the address it leads to is not one we will call."""


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if settings.ARENA_WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return not ip.is_multicast and not ip.is_unspecified
    return ip.is_global and not ip.is_multicast


def check_url(url: str) -> None:
    """The checks that need no network: scheme, host, no credentials. Raises DeliveryRefused."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise DeliveryRefused("the callback URL must be http or https")
    if not parts.hostname:
        raise DeliveryRefused("the callback URL has no host")
    if parts.username or parts.password:
        raise DeliveryRefused("the callback URL must not carry credentials")
    try:
        parts.port  # noqa: B018  (raises on a port out of range)
    except ValueError as exc:
        raise DeliveryRefused("the callback URL has an invalid port") from exc
    try:
        if not address_allowed(parts.hostname):
            raise DeliveryRefused("the callback URL points to a private or loopback address")
    except ValueError:
        pass  # a name, not an address: checked once resolved


def _connect(host: str, port: int, timeout: float) -> socket.socket:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise DeliveryRefused(f"the callback host does not resolve: {exc}") from exc
    allowed = [info for info in infos if address_allowed(info[4][0])]
    if not allowed:
        raise DeliveryRefused("the callback host resolves only to private or loopback addresses")
    last_error: OSError | None = None
    for family, kind, proto, _, address in allowed:
        sock = socket.socket(family, kind, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
        except OSError as exc:
            sock.close()
            last_error = exc
            continue
        if not address_allowed(sock.getpeername()[0]):  # the address actually connected to
            sock.close()
            raise DeliveryRefused("the callback connection reached a private or loopback address")
        return sock
    raise OSError(f"could not connect to the callback host: {last_error}")


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST body to url; return the response's status. Raises DeliveryRefused or OSError."""
    check_url(url)
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    sock = _connect(parts.hostname, port, timeout)
    if parts.scheme == "https":
        sock = ssl.create_default_context().wrap_socket(sock, server_hostname=parts.hostname)
    connection = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
    connection.sock = sock  # already connected and checked: http.client will not connect again
    try:
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_RESPONSE_BYTES)
        return response.status
    finally:
        connection.close()
