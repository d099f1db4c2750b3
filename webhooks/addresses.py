"""Which addresses a webhook may reach, and the one DNS lookup each delivery makes.

A receiver must be on the public internet: an address that is private (10/8, 172.16/12,
192.168/16, fc00::/7), loopback, link-local (169.254/16, where clouds serve their metadata,
fe80::/10), shared (CGNAT, 100.64/10), multicast, reserved or unspecified would let an org admin
make the app call the network it runs in. IPv6 forms that carry an IPv4 address (mapped
``::ffff:a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``) are judged by that address.

The host is resolved once per check (:func:`resolve_public`), and the sender connects to the
addresses that check returned (webhooks.transport), so a name that answers with a public address
to the check and a private one a moment later (DNS rebinding) cannot redirect the request.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressRefused(Exception):
    """The host resolves to an address a webhook may not reach (never worth a retry)."""


class Unresolved(Exception):
    """The host's name did not resolve (may be transient)."""


@dataclass(frozen=True)
class Target:
    """One address to connect to, as ``socket.getaddrinfo`` gave it."""

    family: int
    sockaddr: tuple[str, int] | tuple[str, int, int, int]

    @property
    def address(self) -> str:
        return str(self.sockaddr[0])


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: IPAddress) -> bool:
    """True only for a global unicast address (see the module's docstring for what is not)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not (
        address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address.is_loopback
        or address.is_link_local
        or address.is_private
    )


def resolve(host: str, port: int) -> list[Target]:
    """Every address ``host`` resolves to, in the resolver's order; one lookup."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Unresolved(f"Could not resolve {host}: {exc}") from None
    targets: list[Target] = []
    for family, _type, _proto, _canonname, sockaddr in infos:
        target = Target(family=family, sockaddr=sockaddr)  # type: ignore[arg-type]
        if target not in targets:
            targets.append(target)
    if not targets:
        raise Unresolved(f"Could not resolve {host}: no address")
    return targets


def resolve_public(host: str, port: int) -> list[Target]:
    """The addresses of ``host``, all of them public; refused if any one is not (a name with one
    private answer among public ones is not trusted either)."""
    targets = resolve(host, port)
    for target in targets:
        # Scoped IPv6 (fe80::1%eth0) carries its zone after a %; link-local anyway.
        address = ipaddress.ip_address(target.address.split("%", 1)[0])
        if not is_public(address):
            raise AddressRefused(
                f"{host} resolves to {address}, a private, local or reserved address; "
                "webhooks are sent only to public addresses."
            )
    return targets
