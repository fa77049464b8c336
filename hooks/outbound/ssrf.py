"""Destination checks for outbound hook traffic: the SSRF guard used by hooks.outbound.transport."""

from __future__ import annotations

import functools
import ipaddress
import socket
import threading
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_URI_LENGTH = 1024
HTTP_ONLY_ALLOWED = (
    "http:// is only allowed for networks listed in HOOKS_ALLOWED_NETWORKS; use https://"
)
_DEFAULT_PORTS = {"https": 443, "http": 80}
# Without a port policy verification errors turn the service into a port scanner of any
# public host; web services listen on 80, 443 or an unprivileged port.
DEFAULT_ALLOWED_PORTS = ("80", "443", "1024-65535")
# NAT64 (RFC 6052) embeds an IPv4 address in the last 32 bits; judge that address instead.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# ipaddress counts 100.64.0.0/10 as neither private nor global; name it for the message.
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")


class DestinationBlocked(Exception):
    """The guard refused a destination; str() is the sentence to show."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"Destination refused: {reason}")


class UnresolvableHost(DestinationBlocked):
    """The host name did not resolve; a DNS failure (often transient), not a policy refusal."""

    def __init__(self, hostname: str, *, detail: str = "") -> None:
        self.hostname = hostname
        self.reason = f"Could not resolve host {hostname}" + (f": {detail}" if detail else "")
        Exception.__init__(self, self.reason)


@dataclass(frozen=True)
class Destination:
    """Where a request goes: the checked IP to connect to, and the names to present."""

    scheme: str
    hostname: str
    port: int
    ip: str
    path_and_query: str

    @property
    def host_header(self) -> str:
        """Return the Host header value (brackets for IPv6 literals, port when not default)."""
        host = f"[{self.hostname}]" if ":" in self.hostname else self.hostname
        if self.port == _DEFAULT_PORTS[self.scheme]:
            return host
        return f"{host}:{self.port}"


def allowed_networks() -> list[IPNetwork]:
    """Return settings.HOOKS_ALLOWED_NETWORKS parsed (read on each call, parsed once per value)."""
    return list(_parse_networks(tuple(settings.HOOKS_ALLOWED_NETWORKS)))


@functools.lru_cache(maxsize=16)
def _parse_networks(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in values)


def allowed_ports() -> tuple[tuple[int, int], ...]:
    """Return settings.HOOKS_ALLOWED_PORTS as (first, last) ranges (read on each call)."""
    values = getattr(settings, "HOOKS_ALLOWED_PORTS", DEFAULT_ALLOWED_PORTS)
    return _parse_ports(tuple(values))


@functools.lru_cache(maxsize=16)
def _parse_ports(values: tuple[str, ...]) -> tuple[tuple[int, int], ...]:
    ranges = []
    for value in values:
        first, dash, last = str(value).strip().partition("-")
        try:
            start = int(first)
            end = int(last) if dash else start
        except ValueError:
            start = end = -1
        if not 1 <= start <= end <= 65535:
            raise ImproperlyConfigured(
                f"HOOKS_ALLOWED_PORTS: {value!r} is not a port or a range like 1024-65535"
            )
        ranges.append((start, end))
    if not ranges:
        raise ImproperlyConfigured("HOOKS_ALLOWED_PORTS is empty: no request could be sent")
    return tuple(ranges)


def _check_port(port: int) -> None:
    if port == 0:
        raise DestinationBlocked("port 0 is not a valid port")
    ranges = allowed_ports()
    if not any(start <= port <= end for start, end in ranges):
        shown = ", ".join(str(s) if s == e else f"{s}-{e}" for s, e in ranges)
        raise DestinationBlocked(f"port {port} is not allowed; allowed ports are {shown}")


def resolve_destination(url: str, *, timeout: float | None = None) -> Destination:
    """Resolve and check `url`; raise DestinationBlocked (or UnresolvableHost) when refused.

    With `timeout`, a name lookup still unanswered after that many seconds is UnresolvableHost.
    """
    parts = _split(url)
    scheme = parts.scheme.lower()
    hostname = _hostname(parts)
    port = _port(parts, scheme)
    addresses = _resolve(hostname, port, numeric_only=False, timeout=timeout)
    networks = allowed_networks()
    for address in addresses:
        _check_address(address, hostname=hostname, scheme=scheme, networks=networks)
    path_and_query = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(
        scheme=scheme,
        hostname=hostname,
        port=port,
        ip=str(addresses[0]),
        path_and_query=path_and_query,
    )


def validate_uri_syntax(uri: str) -> str | None:
    """Return why `uri` cannot be a hook URI, or None; only http:// URIs cause a DNS lookup."""
    if not isinstance(uri, str) or not uri:
        return "The URI is required."
    if len(uri) > MAX_URI_LENGTH:
        return f"The URI must be at most {MAX_URI_LENGTH} characters."
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in uri):
        return "The URI must not contain whitespace or control characters."
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018  (raises ValueError for a malformed port)
    except ValueError:
        return "The URI is not a valid URL."
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return "The URI must start with https://."
    if not parts.hostname:
        return "The URI must include a host."
    if parts.username is not None or parts.password is not None:
        return "The URI must not contain a user name or password."
    try:
        _port(parts, scheme)  # the port policy needs no DNS: judge it first
        if scheme == "http":
            resolve_destination(uri)
            return None
        # Literal IPs are checked now because that needs no DNS; names are checked at send time.
        hostname = _hostname(parts)
        networks = allowed_networks()
        for address in _resolve(hostname, _port(parts, scheme), numeric_only=True):
            _check_address(address, hostname=hostname, scheme=scheme, networks=networks)
    except UnresolvableHost as exc:
        return f"{exc.reason}; {HTTP_ONLY_ALLOWED}."
    except DestinationBlocked as exc:
        return _capitalize(exc.reason) + "."
    return None


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise DestinationBlocked(f"the URL is not valid ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        shown = f"{scheme}://" if scheme else "a URL without a scheme"
        raise DestinationBlocked(f"{shown} is not allowed; use https://")
    if parts.username is not None or parts.password is not None:
        raise DestinationBlocked("URLs with a user name or password are not allowed")
    return parts


def _hostname(parts: SplitResult) -> str:
    hostname = parts.hostname
    if not hostname:
        raise DestinationBlocked("the URL has no host")
    if not hostname.isascii():
        try:
            hostname = hostname.encode("idna").decode("ascii")
        except UnicodeError:
            raise DestinationBlocked(f"{hostname} is not a valid host name") from None
    # A trailing dot names the same host but breaks SNI and certificate matching.
    hostname = hostname.rstrip(".")
    if not hostname:
        raise DestinationBlocked("the URL has no host")
    return hostname


def _port(parts: SplitResult, scheme: str) -> int:
    try:
        port = parts.port
    except ValueError:
        raise DestinationBlocked("the URL's port is not valid") from None
    # `if port` would read an explicit :0 as "no port" and send it to 443.
    port = _DEFAULT_PORTS[scheme] if port is None else port
    _check_port(port)
    return port


def _resolve(
    hostname: str, port: int, *, numeric_only: bool, timeout: float | None = None
) -> list[IPAddress]:
    """Return the distinct addresses of `hostname` in resolver order ([] if not a literal)."""
    try:
        infos = socket.getaddrinfo(
            hostname, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
        )
    except (socket.gaierror, UnicodeError):
        if numeric_only:
            return []
        infos = _lookup(hostname, port, timeout)
    addresses: list[IPAddress] = []
    for family, _type, _proto, _canon, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        # An IPv4-mapped IPv6 address reaches the IPv4 host: check and connect to that.
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnresolvableHost(hostname)
    return addresses


def _check_address(
    address: IPAddress, *, hostname: str, scheme: str, networks: list[IPNetwork]
) -> None:
    """Raise DestinationBlocked unless `address` may be reached with `scheme`."""
    if any(address.version == net.version and address in net for net in networks):
        return
    subject = str(address) if hostname == str(address) else f"{hostname} resolves to {address}"
    if scheme == "http":
        raise DestinationBlocked(HTTP_ONLY_ALLOWED)
    kind = _non_public_kind(address)
    if kind:
        joiner = " is" if subject == str(address) else ", which is"
        raise DestinationBlocked(f"{subject}{joiner} {kind}")


def _non_public_kind(address: IPAddress) -> str:
    """Return a description like 'a private address' when `address` is not public, else ''."""
    if isinstance(address, ipaddress.IPv6Address):
        # Transition addresses carry an IPv4 host; a public wrapper must not hide a private host.
        embedded: ipaddress.IPv4Address | None = address.sixtofour
        if address.teredo:
            embedded = address.teredo[1]
        if address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            inner = _non_public_kind(embedded)
            if inner:
                return f"an IPv6 wrapper of {embedded}, {inner}"
            if address in _NAT64:
                return ""
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "a shared (carrier-grade NAT) address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "a non-public address"
    return ""


def _capitalize(sentence: str) -> str:
    if "://" in sentence.split(" ", 1)[0]:
        return sentence  # "http:// is only allowed ..." reads wrong as "Http://".
    return sentence[:1].upper() + sentence[1:]


def _lookup(hostname: str, port: int, timeout: float | None) -> list:
    """getaddrinfo for a name, given up after `timeout` seconds (it has no timeout of its own).

    The lookup runs in a daemon thread: a resolver that never answers leaves that thread
    waiting (the C library gives up by itself eventually), never the worker.
    """
    outcome: list = []

    def lookup() -> None:
        try:
            outcome.append(socket.getaddrinfo(hostname, port, type=socket.SOCK_STREAM))
        except (socket.gaierror, UnicodeError, OSError) as exc:
            outcome.append(exc)

    if timeout is None:
        lookup()
    else:
        thread = threading.Thread(target=lookup, name=f"resolve {hostname}", daemon=True)
        thread.start()
        thread.join(max(timeout, 0.0))
        if not outcome:
            raise UnresolvableHost(hostname, detail=f"timed out after {timeout:g} s")
    if isinstance(outcome[0], BaseException):
        raise UnresolvableHost(hostname)
    return outcome[0]
