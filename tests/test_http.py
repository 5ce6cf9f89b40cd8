"""The polite client against httpx.MockTransport, with a fake clock so politeness is measured."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from pykala.harvester.http import (
    USER_AGENT,
    FetchError,
    Meter,
    PoliteClient,
    Politeness,
    Validators,
)
from pykala.harvester.httpwords import parse_retry_after

FAST = Politeness(min_interval=0.0, tries=3, backoff=0.5, backoff_cap=4.0)
PAGE = "https://kuopio.oncloudos.com/cgi/DREQUEST.PHP?page=meetingitem&id=2021792181-4"


class FakeClock:
    """Monotonic time that only moves when the client sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Handler = Callable[[httpx.Request], httpx.Response]


def make_client(
    handler: Handler, politeness: Politeness = FAST, clock: FakeClock | None = None
) -> tuple[PoliteClient, list[httpx.Request], FakeClock]:
    clock = clock or FakeClock()
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/robots.txt":
            return httpx.Response(404)
        return handler(request)

    client = PoliteClient(
        politeness,
        transport=httpx.MockTransport(record),
        clock=clock,
        sleep=clock.sleep,
        jitter=lambda: 0.5,
    )
    return client, seen, clock


def pages(requests: list[httpx.Request]) -> list[httpx.Request]:
    return [r for r in requests if r.url.path != "/robots.txt"]


def test_ok_response_carries_metadata_and_user_agent() -> None:
    client, seen, _ = make_client(
        lambda r: httpx.Response(200, content=b"<html>ok</html>", headers={"ETag": '"abc"'})
    )
    got = client.get(PAGE.replace(".com/", ".com:443/"))
    assert got.status == 200
    assert got.body == b"<html>ok</html>"
    assert got.url == PAGE  # default port dropped
    assert got.headers["etag"] == '"abc"'
    assert got.fetched_at.tzinfo is not None
    assert seen[-1].headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("pykala/") and "+https://github.com/pykala/pykala" in USER_AGENT


def test_retries_5xx_with_growing_backoff_then_succeeds() -> None:
    answers = iter([httpx.Response(503), httpx.Response(500), httpx.Response(200, content=b"x")])
    client, seen, clock = make_client(lambda r: next(answers))
    assert client.get(PAGE).body == b"x"
    assert len(pages(seen)) == 3
    # jitter fixed at 0.5 → factor 0.75: 0.5 * 0.75, then 1.0 * 0.75
    assert clock.sleeps == [0.375, 0.75]


def test_gives_up_after_tries_with_one_line_reason() -> None:
    client, seen, _ = make_client(lambda r: httpx.Response(503))
    with pytest.raises(FetchError) as err:
        client.get(PAGE)
    assert err.value.reason == "HTTP 503 after 3 tries"
    assert len(pages(seen)) == 3


def test_404_is_not_retried() -> None:
    client, seen, _ = make_client(lambda r: httpx.Response(404))
    with pytest.raises(FetchError) as err:
        client.get(PAGE)
    assert err.value.reason == "HTTP 404"
    assert len(pages(seen)) == 1


def test_retry_after_seconds_is_honoured_and_capped() -> None:
    answers = iter(
        [
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(429, headers={"Retry-After": "99999"}),
            httpx.Response(200, content=b"ok"),
        ]
    )
    politeness = Politeness(min_interval=0.0, tries=3, backoff=0.5, retry_after_cap=60.0)
    client, _, clock = make_client(lambda r: next(answers), politeness)
    assert client.get(PAGE).body == b"ok"
    assert clock.sleeps == [7.0, 60.0]


def test_retry_after_http_date() -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    header = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(header, now) == 30.0
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(format_datetime(now - timedelta(hours=1), usegmt=True), now) == 0.0


def test_connect_error_is_retried_and_reported() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return refuse(request)

    client = PoliteClient(FAST, transport=httpx.MockTransport(handler), sleep=lambda s: None)
    with pytest.raises(FetchError) as err:
        client.get(PAGE)
    # robots.txt is the first request and it cannot connect: the page gets that reason.
    assert err.value.reason == "connection refused after 3 tries"
    assert err.value.kind == "connect"
    assert err.value.url == PAGE
    assert seen == ["/robots.txt"] * 3


def test_dns_failure_reason() -> None:
    def no_such_host(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    client, _, _ = make_client(no_such_host, Politeness(min_interval=0, tries=1))
    with pytest.raises(FetchError) as err:
        client.get(PAGE)
    assert err.value.reason == "name resolution failed"


def test_timeout_is_retried() -> None:
    calls = {"n": 0}

    def slow_once(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            raise httpx.ReadTimeout("timed out", request=request)
        return httpx.Response(200, content=b"late but fine")

    client, _, _ = make_client(slow_once)
    assert client.get(PAGE).body == b"late but fine"
    assert calls["n"] == 2


def test_size_cap_stops_reading() -> None:
    streamed: list[int] = []

    def chunks() -> httpx.SyncByteStream:
        class Stream(httpx.SyncByteStream):
            def __iter__(self):  # type: ignore[no-untyped-def]
                for _ in range(100):
                    streamed.append(1)
                    yield b"x" * 1024

        return Stream()

    politeness = Politeness(min_interval=0, tries=3, max_bytes=10 * 1024)
    client, seen, _ = make_client(lambda r: httpx.Response(200, stream=chunks()), politeness)
    with pytest.raises(FetchError) as err:
        client.get(PAGE)
    assert err.value.reason == "response larger than 10 kB"
    assert len(streamed) == 11  # stopped right after crossing the cap, not after 100 chunks
    assert len(pages(seen)) == 1  # not retried


def test_declared_content_length_over_cap_fails_before_reading() -> None:
    politeness = Politeness(min_interval=0, max_bytes=20 * 1024 * 1024)
    client, _, _ = make_client(
        lambda r: httpx.Response(200, headers={"Content-Length": str(30 * 1024 * 1024)}),
        politeness,
    )
    with pytest.raises(FetchError, match="response larger than 20 MB"):
        client.get(PAGE)


def test_conditional_get_sends_validators_and_304_means_unchanged() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304)
        return httpx.Response(200, content=b"new", headers={"ETag": '"v2"'})

    client, seen, _ = make_client(handler)
    stored = Validators(etag='"v1"', last_modified="Wed, 04 Mar 2026 10:00:00 GMT")
    got = client.get(PAGE, stored)
    assert got.not_modified and got.body == b""
    assert seen[-1].headers["if-modified-since"] == "Wed, 04 Mar 2026 10:00:00 GMT"
    assert client.get(PAGE, Validators(etag='"old"')).body == b"new"
    assert "if-none-match" not in client.get(PAGE).headers  # no validators, no condition
    assert "if-none-match" not in seen[-1].headers


def test_robots_disallow_is_obeyed_without_fetching_the_page() -> None:
    robots = b"User-agent: *\nDisallow: /cgi/DREQUEST.PHP?page=meetingitem\n"
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.path == "/robots.txt":
            return httpx.Response(200, content=robots)
        return httpx.Response(200, content=b"feed")

    client = PoliteClient(FAST, transport=httpx.MockTransport(handler), sleep=lambda s: None)
    with pytest.raises(FetchError) as err:
        client.get(PAGE)
    assert err.value.reason == "disallowed by robots.txt"
    assert err.value.kind == "robots"
    feed = "https://kuopio.oncloudos.com/cgi/DREQUEST.PHP?page=rss/meetingitems&show=100"
    assert client.get(feed).body == b"feed"
    assert seen.count("https://kuopio.oncloudos.com/robots.txt") == 1  # cached per host
    assert PAGE not in seen


def test_robots_server_error_blocks_the_host() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500 if request.url.path == "/robots.txt" else 200)

    client = PoliteClient(FAST, transport=httpx.MockTransport(handler), sleep=lambda s: None)
    with pytest.raises(FetchError, match=r"robots.txt unavailable \(HTTP 500"):
        client.get(PAGE)


def test_min_interval_spaces_requests_per_host() -> None:
    politeness = Politeness(min_interval=1.0)
    clock = FakeClock()
    stamps: list[tuple[str, float]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        stamps.append((request.url.host, clock.now))
        return httpx.Response(200, content=b"ok")

    client, _, _ = make_client(handler, politeness, clock)
    for i in range(3):
        client.get(f"https://a.example/cgi/DREQUEST.PHP?page=meeting&id={i}")
        client.get(f"https://b.example/cgi/DREQUEST.PHP?page=meeting&id={i}")
    for host in ("a.example", "b.example"):
        times = [t for h, t in stamps if h == host]
        assert len(times) == 3
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))
    # one host's interval does not hold up the other: 8 requests (4 per host) in 4 s, not 7
    assert clock.now - 1000.0 <= 4.0 + 1e-9


def test_redirect_followed_on_same_host_only() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.params.get("id") == "old":
            new = "/cgi/DREQUEST.PHP?page=meeting&id=new"
            return httpx.Response(301, headers={"Location": new})
        if request.url.params.get("id") == "away":
            return httpx.Response(302, headers={"Location": "https://elsewhere.example/x"})
        return httpx.Response(200, content=b"moved here")

    client, _, _ = make_client(handler)
    got = client.get("https://a.example/cgi/DREQUEST.PHP?page=meeting&id=old")
    assert got.body == b"moved here"
    assert got.final_url == "https://a.example/cgi/DREQUEST.PHP?page=meeting&id=new"
    with pytest.raises(FetchError, match=r"redirected to another host \(elsewhere.example\)"):
        client.get("https://a.example/cgi/DREQUEST.PHP?page=meeting&id=away")


def test_meter_counts_every_attempt_and_robots_and_failures_say_if_permanent() -> None:
    answers = iter([httpx.Response(503), httpx.Response(200, content=b"12345")])
    client, _, _ = make_client(lambda r: next(answers))
    meter = Meter()
    client.get(PAGE, meter=meter)
    assert (meter.requests, meter.bytes) == (3, 5)  # robots.txt (404), the 503, the 200
    gone, _, _ = make_client(lambda r: httpx.Response(404))
    with pytest.raises(FetchError) as err:
        gone.get(PAGE)
    assert (err.value.status, err.value.permanent) == (404, True)
    busy, _, _ = make_client(lambda r: httpx.Response(429))
    with pytest.raises(FetchError) as err:
        busy.get(PAGE)
    assert (err.value.status, err.value.permanent) == (429, False)
