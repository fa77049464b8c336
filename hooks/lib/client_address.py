"""The address of the client that sent a request, behind reverse proxies too.

Without HOOKS_TRUSTED_PROXIES (the default) it is REMOTE_ADDR, and X-Forwarded-For is
ignored: any client can send that header. Behind a proxy REMOTE_ADDR is the proxy's, so
every client would share one address (one sign-in throttle for all, one address in the
System Log). When REMOTE_ADDR is in a trusted proxy network, X-Forwarded-For is read from
the right: each proxy appends the address it received the request from, so the right-most
address that is not itself a trusted proxy is the client as the nearest trusted proxy saw
it. Everything to its left came from that client and is never believed. A value that is
not an address stops the walk: the last trusted hop is the answer, as without the header.
"""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

FORWARDED_HEADER = "HTTP_X_FORWARDED_FOR"


def client_address(request) -> str | None:
    """The client's address of `request`, in one canonical spelling; None without one."""
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = trusted_proxies()
    hop = _parse(remote) if remote and proxies else None
    if hop is None or not _is_trusted(hop, proxies):
        return remote
    for value in reversed(request.META.get(FORWARDED_HEADER, "").split(",")):
        if not value.strip():
            continue
        forwarded = _parse(value)
        if forwarded is None:
            break  # garbage written by a trusted hop: nothing left of it can be believed
        hop = forwarded
        if not _is_trusted(hop, proxies):
            break
    return str(hop)


def trusted_proxies() -> tuple[Network, ...]:
    """HOOKS_TRUSTED_PROXIES as networks; ImproperlyConfigured names a malformed value
    (system check hooks.E004 reports it at startup)."""
    return _networks(tuple(getattr(settings, "HOOKS_TRUSTED_PROXIES", ())))


@functools.lru_cache(maxsize=16)
def _networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for value in values:
        try:
            # strict: "10.0.0.1/24" is more likely a typo than a way to write 10.0.0.0/24.
            networks.append(ipaddress.ip_network(str(value).strip(), strict=True))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"HOOKS_TRUSTED_PROXIES: {value!r} is not a network ({error})"
            ) from None
    return tuple(networks)


# The widest network a proxy fleet needs (a prefix length per IP version). Every host of a
# trusted network may name the client's address; a wider one holds public internet ranges,
# from which any client could pick its own (system check hooks.W005). IPv6's private ranges
# are wider than that, and never routed on the internet: trusting them all is not warned of.
WIDEST_TRUSTED_PREFIX = {4: 8, 6: 16}
PRIVATE_WIDE = (
    ipaddress.IPv6Network("fc00::/7"),  # unique local addresses
    ipaddress.IPv6Network("fe80::/10"),  # link-local
)


def too_wide(networks: tuple[Network, ...]) -> list[Network]:
    """The networks of `networks` wider than WIDEST_TRUSTED_PREFIX, other than private ones."""
    return [
        network
        for network in networks
        if network.prefixlen < WIDEST_TRUSTED_PREFIX[network.version]
        and not any(_within(network, private) for private in PRIVATE_WIDE)
    ]


def _within(network: Network, private: ipaddress.IPv6Network) -> bool:
    return isinstance(network, ipaddress.IPv6Network) and network.subnet_of(private)


def _is_trusted(address: Address, proxies: tuple[Network, ...]) -> bool:
    return any(address in network for network in proxies)


def _parse(value: str) -> Address | None:
    """An address as proxies write it: 192.0.2.1, 2001:db8::1, optionally [v6] or with a
    :port; IPv4-mapped IPv6 as IPv4 (one address, one throttle count). None otherwise."""
    text = value.strip()
    if len(text) > 64:  # the longest spelling of an address and a port is 47 characters
        return None
    if text.startswith("["):
        text, bracket, port = text[1:].partition("]")
        if not bracket or (port and not (port.startswith(":") and _is_port(port[1:]))):
            return None
    elif text.count(":") == 1:  # IPv4 with a port; an IPv6 address has at least two colons
        text, _, port = text.partition(":")
        if not _is_port(port):
            return None
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_port(digits: str) -> bool:
    return digits.isascii() and digits.isdigit() and len(digits) <= 5
