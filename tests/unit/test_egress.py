"""The egress guard (webhooks' SSRF defence): refused addresses are never connected to, a name
is resolved once and the connection pinned to the checked address, a name that later resolves
inward is refused. Nothing here opens a socket: the resolver is a stub and the network backend
under the guard records what it is asked and refuses."""

from __future__ import annotations

from ipaddress import ip_network
from typing import Any

import httpcore
import httpx
import pytest
from pydantic import ValidationError

from zg_common import egress
from zg_common.egress import AddressRefused, EgressPolicy, guarded_transport
from zg_intake.webhook_schemas import WebhookCreate
from zg_intake.webhook_worker import failure

INWARD = [
    "127.0.0.1",
    "127.8.9.10",
    "::1",
    "10.1.2.3",
    "172.16.0.9",
    "192.168.1.1",
    "169.254.169.254",  # cloud metadata
    "100.100.100.200",  # Alibaba Cloud metadata (shared address space)
    "fd00:ec2::254",
    "fe80::1",
    "fc00::5",
    "0.0.0.0",
    "::",
    "224.0.0.251",
    "239.1.2.3",
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:10.0.0.1",
    "2002:7f00:1::",  # 6to4 around 127.0.0.1
    "2002:a00:1::",  # 6to4 around 10.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 around 169.254.169.254
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo around 10.0.0.1
    "198.18.0.1",
    "240.0.0.1",
]
OUTSIDE = "93.184.215.14"


class Recorder(httpcore.AsyncNetworkBackend):
    """Stands where the sockets would be: records each connection asked for, opens none."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int]] = []

    async def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        self.asked.append((host, port))
        raise httpcore.ConnectError("the test's backend opens no sockets")

    async def sleep(self, seconds: float) -> None:
        return None


@pytest.fixture
def sockets(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(httpcore, "AnyIOBackend", lambda: recorder)
    return recorder


def resolving_to(*answers: list[str]) -> tuple[egress.Resolver, list[str]]:
    """A resolver answering each lookup with the next list (the last one repeats)."""
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers[min(len(asked), len(answers)) - 1]

    return resolve, asked


@pytest.mark.parametrize("address", INWARD)
async def test_an_inward_address_is_refused_without_a_connection(
    address: str, sockets: Recorder
) -> None:
    resolver, _ = resolving_to([address])
    async with httpx.AsyncClient(
        transport=guarded_transport(EgressPolicy(), resolver=resolver)
    ) as c:
        with pytest.raises(httpx.ConnectError) as raised:
            await c.post("https://partner.example.com/hook", content=b"{}")
        assert egress.refused(raised.value)
        assert failure(raised.value) == "address_refused"
        # the same as a literal in the URL
        host = f"[{address}]" if ":" in address else address
        with pytest.raises(httpx.ConnectError) as literal:
            await c.post(f"http://{host}:8080/hook", content=b"{}")
        assert egress.refused(literal.value)
    assert sockets.asked == [], "no connection may be attempted"


async def test_a_name_is_pinned_to_the_address_checked(sockets: Recorder) -> None:
    resolver, asked = resolving_to([OUTSIDE])
    async with httpx.AsyncClient(
        transport=guarded_transport(EgressPolicy(), resolver=resolver)
    ) as c:
        with pytest.raises(httpx.ConnectError) as raised:
            await c.post("https://partner.example.com/hook", content=b"{}")
    assert not egress.refused(raised.value), "a public address passes the guard"
    assert asked == ["partner.example.com"]
    assert sockets.asked == [(OUTSIDE, 443)], "the socket goes to the checked address, not a name"


async def test_a_name_that_resolves_inward_later_is_refused(sockets: Recorder) -> None:
    """DNS rebinding: outward when first called, inward at the next connection."""
    resolver, asked = resolving_to([OUTSIDE], ["169.254.169.254"])
    async with httpx.AsyncClient(
        transport=guarded_transport(EgressPolicy(), resolver=resolver)
    ) as c:
        for _ in range(2):
            with pytest.raises(httpx.ConnectError) as raised:
                await c.post("https://rebind.example.com/hook", content=b"{}")
    assert egress.refused(raised.value)
    assert asked == ["rebind.example.com"] * 2, "resolved at every connection"
    assert sockets.asked == [(OUTSIDE, 443)]


async def test_one_inward_answer_among_outward_ones_refuses_the_name(sockets: Recorder) -> None:
    resolver, _ = resolving_to([OUTSIDE, "10.0.0.7"])
    async with httpx.AsyncClient(
        transport=guarded_transport(EgressPolicy(), resolver=resolver)
    ) as c:
        with pytest.raises(httpx.ConnectError) as raised:
            await c.get("https://mixed.example.com/")
    assert egress.refused(raised.value)
    assert sockets.asked == []


async def test_the_allowlist_opens_a_network_but_never_the_metadata_address(
    sockets: Recorder,
) -> None:
    policy = EgressPolicy(
        allowed_networks=(ip_network("10.20.0.0/16"), ip_network("169.254.0.0/16")),
        public=False,
    )
    resolver, _ = resolving_to(["10.20.3.4"])
    transport = guarded_transport(policy, resolver=resolver)
    async with httpx.AsyncClient(transport=transport) as c:
        with pytest.raises(httpx.ConnectError) as intranet:
            await c.get("http://hotline.intranet/hook")
        assert not egress.refused(intranet.value)
        for url in ("http://169.254.169.254/latest/", f"http://{OUTSIDE}/", "http://10.21.0.1/"):
            with pytest.raises(httpx.ConnectError) as raised:
                await c.get(url)
            assert egress.refused(raised.value), url
    assert sockets.asked == [("10.20.3.4", 80)]


async def test_without_lookups_only_literals_and_localhost_are_tried(sockets: Recorder) -> None:
    policy = EgressPolicy(allowed_networks=egress.LOOPBACK, public=False, resolve_names=False)
    resolver, asked = resolving_to(["127.0.0.1"])
    async with httpx.AsyncClient(transport=guarded_transport(policy, resolver=resolver)) as c:
        with pytest.raises(httpx.ConnectError) as named:
            await c.get("http://anything.example/")
        assert egress.refused(named.value)
        assert asked == [], "not even a DNS lookup leaves the machine"
        for url in ("http://127.0.0.1:9/", "http://localhost:9/", "http://[::1]:9/"):
            with pytest.raises(httpx.ConnectError) as raised:
                await c.get(url)
            assert not egress.refused(raised.value), url
    assert asked == ["localhost"]
    assert sockets.asked == [("127.0.0.1", 9), ("127.0.0.1", 9), ("::1", 9)]


async def test_proxies_from_the_environment_are_not_used(
    sockets: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:3128")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:3128")
    resolver, _ = resolving_to(["10.0.0.1"])
    async with httpx.AsyncClient(
        transport=guarded_transport(EgressPolicy(), resolver=resolver)
    ) as client:
        with pytest.raises(httpx.ConnectError) as raised:
            await client.get("https://partner.example.com/")
    assert egress.refused(raised.value)
    assert sockets.asked == []


def test_a_failed_attempt_is_logged_in_a_word_not_the_exception_text() -> None:
    assert failure(httpx.ConnectTimeout("timed out connecting to 10.0.0.1")) == "timeout"
    assert failure(httpx.ConnectError("[Errno 111] refused by 10.0.0.1:22")) == "connection_failed"
    assert failure(httpx.RemoteProtocolError("SSH-2.0-OpenSSH_9.2")) == "request_failed"
    assert failure(RuntimeError("anything else")) == "internal_error"
    wrapped = httpx.ConnectError("x")
    wrapped.__cause__ = AddressRefused("10.0.0.1")
    assert failure(wrapped) == "address_refused"


@pytest.mark.parametrize(
    "url",
    [
        "http://[::1/x",
        "http://[::1]:99999/",
        "http://a b/",
        "https://user:secret@partner.example.com/",
        "https://partner.example.com/hook#x",
        "http:///hook",
        "http://[fe80::1%25eth0]/",
        "ftp://partner.example.com/",
    ],
)
def test_a_url_the_worker_cannot_call_is_refused_when_subscribing(url: str) -> None:
    with pytest.raises(ValidationError):
        WebhookCreate(url=url)
