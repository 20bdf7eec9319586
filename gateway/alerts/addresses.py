"""Where webhooks may go: https only in production, never to loopback, private, link-local,
multicast, reserved or cloud-metadata addresses unless private targets are allowed
(``GATEWAY_WEBHOOKS_ALLOW_PRIVATE=1``). Checked when an endpoint is created and again on every
call, on the addresses the name resolves to then: the call connects to an address checked
here, so a name that resolves elsewhere a second time (DNS rebinding) gains nothing."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from gateway.core.errors import InvalidInput, Problem

# Cloud metadata services that are not in a private range everywhere.
_METADATA = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
    ipaddress.ip_address("100.100.100.200"),
}


class UnsafeTarget(ValueError):
    """A webhook URL that may not be called; the message names why (never a secret)."""


class Unresolved(UnsafeTarget):
    """The host does not resolve (now): refused at call time, accepted at creation."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # path and query, as sent


def parse_url(url: str, *, production: bool) -> Target:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise UnsafeTarget("the URL must start with https:// (or http:// outside production)")
    if production and scheme != "https":
        raise UnsafeTarget("only https URLs are allowed in production")
    if parts.username or parts.password:
        raise UnsafeTarget("the URL may not carry credentials")
    host = parts.hostname
    if not host:
        raise UnsafeTarget("the URL has no host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise UnsafeTarget("the URL's port is not valid") from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, host, port, path)


def refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (
        address in _METADATA
        or address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


async def resolve(target: Target, *, allow_private: bool) -> str:
    """The address to connect to: every address the host resolves to must be allowed (one
    refused address refuses the URL), and the first one is used."""
    try:
        literal = ipaddress.ip_address(target.host.strip("[]"))
        found = [literal]
    except ValueError:
        loop = asyncio.get_running_loop()
        try:
            infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
        except OSError:
            raise Unresolved(f"the host {target.host!r} does not resolve") from None
        found = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not found:
        raise Unresolved(f"the host {target.host!r} does not resolve")
    if not allow_private:
        for address in found:
            if refused(address):
                raise UnsafeTarget(
                    f"the host {target.host!r} resolves to a private or reserved address"
                )
    return str(found[0])


async def check_url(url: str, *, production: bool, allow_private: bool) -> None:
    """At creation: the URL is well formed and resolves to allowed addresses only (a name
    that does not resolve yet is checked when it is called)."""
    try:
        await resolve(parse_url(url, production=production), allow_private=allow_private)
    except Unresolved:
        return
    except UnsafeTarget as exc:
        raise InvalidInput(
            [Problem("url", str(exc))], "the webhook URL is refused", batch=False
        ) from None
