"""Outbound HTTP to addresses that callers give us (partners' webhook URLs): only where it may go.

A guard against server-side request forgery (SSRF) at connect time, not at the moment a URL is
saved: the host is resolved once, every address it resolves to is checked, and the connection
is made to the checked address (pinned), so a DNS name that resolves outward when the URL is
saved and inward later (DNS rebinding) is refused too. TLS still verifies the certificate for
the name in the URL (httpcore passes it as the server name).

Refused unless an operator allowlisted their network (`EgressPolicy.allowed_networks`, for
partners on the intranet): loopback, private (RFC 1918, unique-local), link-local, shared
(100.64/10), multicast, reserved and unspecified addresses — also when wrapped in an IPv6
address (IPv4-mapped, 6to4, Teredo, NAT64). Cloud metadata addresses are refused even when
allowlisted. Proxies from the environment are not used (they would connect in our place,
unchecked), redirects are not followed (the caller's client says `follow_redirects=False`).

Tests check refusals with a stubbed resolver, never by connecting to the refused addresses.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Any

import httpcore
import httpx

from zg_common.errors import causes

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network
Resolver = Callable[[str, int], Awaitable[list[str]]]

# cloud instance metadata: AWS, GCP, Azure, OpenStack (169.254.169.254), ECS task metadata,
# Alibaba Cloud, Tencent Cloud, AWS over IPv6
METADATA: frozenset[Address] = frozenset(
    ip_address(a)
    for a in (
        "169.254.169.254",
        "169.254.170.2",
        "100.100.100.200",
        "169.254.0.23",
        "fd00:ec2::254",
    )
)
NAT64 = (ip_network("64:ff9b::/96"), ip_network("64:ff9b:1::/48"))
LOOPBACK: tuple[Network, ...] = (ip_network("127.0.0.0/8"), ip_network("::1/128"))


class AddressRefused(httpcore.ConnectError):
    """The destination is, or resolves to, an address outbound calls may not reach."""


async def system_resolver(host: str, port: int) -> list[str]:
    """The machine's resolver (getaddrinfo in a thread, as asyncio does)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _wrapped(address: Address) -> list[Address]:
    """The address and every IPv4 address it carries inside (an IPv6 transition address
    reaches the IPv4 one)."""
    found: list[Address] = [address]
    if isinstance(address, IPv6Address):
        if address.ipv4_mapped is not None:
            found.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            found.append(address.sixtofour)
        if address.teredo is not None:
            found.extend(address.teredo)
        if any(address in net for net in NAT64):
            found.append(IPv4Address(int(address) & 0xFFFFFFFF))
    return found


@dataclass(frozen=True)
class EgressPolicy:
    """Where outbound calls may go. `public`: addresses on the internet (off where nothing may
    leave the machine or the intranet); `allowed_networks`: networks allowed besides (an
    intranet partner's, the tests' loopback receiver); `resolve_names`: look up DNS names at
    all (off: only IP literals and `localhost`, so that not even a lookup leaves the machine)."""

    allowed_networks: tuple[Network, ...] = ()
    public: bool = True
    resolve_names: bool = True

    def allows(self, address: Address) -> bool:
        return all(self._allows_one(a) for a in _wrapped(address))

    def _allows_one(self, address: Address) -> bool:
        if address in METADATA:
            return False
        if any(address in net for net in self.allowed_networks if net.version == address.version):
            return True
        return (
            self.public
            and address.is_global
            and not address.is_multicast
            and not (isinstance(address, IPv6Address) and address.ipv4_mapped is not None)
        )

    async def checked_address(self, host: str, port: int, resolver: Resolver) -> Address:
        """The address to connect to for `host`: every address it resolves to is allowed,
        else `AddressRefused` (no connection is attempted)."""
        name = host.strip("[]")
        try:
            addresses: list[Address] = [ip_address(name)]
        except ValueError:
            if not self.resolve_names and name.lower() != "localhost":
                raise AddressRefused(f"{host}: names are not looked up here") from None
            try:
                addresses = [ip_address(a.split("%")[0]) for a in await resolver(name, port)]
            except OSError as exc:
                raise httpcore.ConnectError(f"{host}: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"{host} resolves to no address")
        refused = [a for a in addresses if not self.allows(a)]
        if refused:
            raise AddressRefused(f"{host} resolves to {refused[0]}, which may not be reached")
        return addresses[0]


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with the policy between the name and the socket."""

    def __init__(
        self,
        policy: EgressPolicy,
        resolver: Resolver = system_resolver,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.policy = policy
        self.resolver = resolver
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        lookup = self.policy.checked_address(host, port, self.resolver)
        address = await asyncio.wait_for(lookup, timeout) if timeout else await lookup
        return await self.inner.connect_tcp(
            str(address),
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("outbound calls do not use local sockets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def guarded_transport(
    policy: EgressPolicy, *, resolver: Resolver = system_resolver
) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose every connection goes through the policy; no proxies from the
    environment. (httpx takes no network backend of its own: the pool's is replaced, and a
    unit test proves the guard is in the path.)"""
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    pool = transport._pool
    if not isinstance(pool, httpcore.AsyncConnectionPool):  # pragma: no cover - httpx changed
        raise RuntimeError("httpx's transport no longer holds an httpcore connection pool")
    pool._network_backend = GuardedBackend(policy, resolver)
    return transport


def refused(exc: BaseException) -> bool:
    """Whether an httpx error (or what caused it) is the guard's refusal."""
    return any(isinstance(e, AddressRefused) for e in causes(exc))
