"""The polite client, case by case: every redirect code, every status class, every error
kind and every wording of a failure has its own case, so a changed constant or comparison
in harvester/http.py or harvester/httpwords.py fails a test by name."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from pykala.harvester.http import FetchError, Meter, PoliteClient, Politeness, Validators
from pykala.harvester.httpwords import (
    describe_connect_error,
    describe_protocol_error,
    format_size,
    parse_retry_after,
)
from tests.test_http import FakeClock

BASE = "https://kunta.example"
PAGE = f"{BASE}/cgi/DREQUEST.PHP?page=meeting&id=1"
FAST = Politeness(min_interval=0.0, tries=3, backoff=0.5, backoff_cap=4.0)

Handler = Callable[[httpx.Request], httpx.Response]
_POLITENESS_FIELDS = {f.name for f in dataclasses.fields(Politeness)}


def client_for(
    handler: Handler, politeness: Politeness = FAST, robots: Handler | None = None
) -> tuple[PoliteClient, list[httpx.Request], FakeClock]:
    seen: list[httpx.Request] = []
    clock = FakeClock()

    def route(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/robots.txt":
            return robots(request) if robots else httpx.Response(404)
        return handler(request)

    client = PoliteClient(
        politeness,
        transport=httpx.MockTransport(route),
        clock=clock,
        sleep=clock.sleep,
        jitter=lambda: 1.0,
    )
    return client, seen, clock


def _answer(code: int) -> Handler:
    return lambda request: httpx.Response(code)


def pages(seen: list[httpx.Request]) -> list[str]:
    return [str(r.url) for r in seen if r.url.path != "/robots.txt"]


# -- redirects ------------------------------------------------------------------------


@pytest.mark.parametrize("code", [301, 302, 303, 307, 308])
def test_every_redirect_code_is_followed_on_the_same_host(code: int) -> None:
    target = f"{BASE}/moved?id=1"

    def handler(request: httpx.Request) -> httpx.Response:
        if str(request.url) == PAGE:
            return httpx.Response(code, headers={"Location": "/moved?id=1"})
        return httpx.Response(200, content=b"here")

    client, seen, _ = client_for(handler)
    fetched = client.get(PAGE)
    assert (fetched.status, fetched.body, fetched.final_url) == (200, b"here", target)
    assert fetched.url == PAGE  # the page keeps the key it was asked by
    assert pages(seen) == [PAGE, target]


@pytest.mark.parametrize("code", [300, 304, 305, 306])
def test_other_3xx_codes_are_not_followed_and_fail_with_their_status(code: int) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(code, headers={"Location": f"{BASE}/elsewhere"})

    client, seen, _ = client_for(handler)
    with pytest.raises(FetchError) as caught:
        client.get(PAGE)
    assert (caught.value.kind, caught.value.status, caught.value.reason) == (
        "http",
        code,
        f"HTTP {code}",
    )
    assert pages(seen) == [PAGE]


def test_a_redirect_without_location_is_an_http_failure() -> None:
    client, _, _ = client_for(lambda r: httpx.Response(302))
    with pytest.raises(FetchError) as caught:
        client.get(PAGE)
    assert (caught.value.kind, caught.value.status, caught.value.reason) == (
        "http",
        302,
        "HTTP 302",
    )


def test_exactly_max_redirects_are_followed_and_one_more_fails() -> None:
    def chain(limit: int) -> Handler:
        def handler(request: httpx.Request) -> httpx.Response:
            step = int(request.url.params.get("step", "0"))
            if step < limit:
                return httpx.Response(302, headers={"Location": f"/r?step={step + 1}"})
            return httpx.Response(200, content=b"end")

        return handler

    politeness = Politeness(min_interval=0.0, tries=1, max_redirects=3)
    client, _, _ = client_for(chain(3), politeness)
    assert client.get(f"{BASE}/r?step=0").body == b"end"
    client, _, _ = client_for(chain(4), politeness)
    with pytest.raises(FetchError) as caught:
        client.get(f"{BASE}/r?step=0")
    assert (caught.value.kind, caught.value.reason) == ("redirect", "more than 3 redirects")


def test_a_redirect_to_another_host_names_the_host() -> None:
    client, seen, _ = client_for(
        lambda r: httpx.Response(301, headers={"Location": "https://other.example/x"})
    )
    with pytest.raises(FetchError) as caught:
        client.get(PAGE)
    assert caught.value.kind == "redirect"
    assert caught.value.reason == "redirected to another host (other.example)"
    assert all(r.url.host == "kunta.example" for r in seen)


def test_a_redirect_from_http_to_https_is_followed_and_back_down_is_refused() -> None:
    plain = "http://kunta.example/a"

    def up(request: httpx.Request) -> httpx.Response:
        if request.url.scheme == "http":
            return httpx.Response(301, headers={"Location": f"{BASE}/a"})
        return httpx.Response(200, content=b"secure")

    client, _, _ = client_for(up)
    assert client.get(plain).body == b"secure"

    client, _, _ = client_for(lambda r: httpx.Response(301, headers={"Location": plain}))
    with pytest.raises(FetchError) as caught:
        client.get(f"{BASE}/a")
    assert (caught.value.kind, caught.value.reason) == (
        "redirect",
        "redirect from https to http refused",
    )


# -- statuses -------------------------------------------------------------------------


@pytest.mark.parametrize("code", [200, 201, 203, 206, 299])
def test_every_2xx_is_a_page(code: int) -> None:
    client, _, _ = client_for(lambda r: httpx.Response(code, content=b"x"))
    assert client.get(PAGE).status == code


@pytest.mark.parametrize("code", [429, 500, 502, 503, 504, 599])
def test_429_and_every_5xx_are_retried_up_to_tries(code: int) -> None:
    client, seen, clock = client_for(lambda r: httpx.Response(code))
    meter = Meter()
    with pytest.raises(FetchError) as caught:
        client.get(PAGE, meter=meter)
    assert len(pages(seen)) == 3
    assert meter.requests == 4  # robots.txt and three tries
    assert caught.value.reason == f"HTTP {code} after 3 tries"
    assert (caught.value.kind, caught.value.status) == ("http", code)
    assert clock.sleeps == [0.5, 1.0]  # backoff, doubled, full jitter
    assert not caught.value.permanent


@pytest.mark.parametrize("code", [400, 401, 403, 404, 410, 451, 499])
def test_4xx_other_than_429_fail_at_once_and_are_permanent(code: int) -> None:
    client, seen, clock = client_for(lambda r: httpx.Response(code))
    with pytest.raises(FetchError) as caught:
        client.get(PAGE)
    assert pages(seen) == [PAGE]
    assert clock.sleeps == []
    assert caught.value.reason == f"HTTP {code}"
    assert caught.value.permanent


@pytest.mark.parametrize(
    ("kind", "status", "permanent"),
    [
        ("http", 404, True),
        ("http", 400, True),
        ("http", 499, True),
        ("http", 429, False),
        ("http", 500, False),
        ("http", 399, False),
        ("http", None, False),
        ("robots", None, True),
        ("connect", None, False),
        ("timeout", None, False),
        ("redirect", None, False),
        ("too_large", None, False),
        ("protocol", None, False),
    ],
)
def test_permanent_means_a_4xx_or_robots(kind: str, status: int | None, permanent: bool) -> None:
    assert FetchError(PAGE, "x", kind, status).permanent is permanent


def test_a_retry_succeeds_on_the_last_try() -> None:
    answers = iter([503, 503, 200])
    client, seen, _ = client_for(lambda r: httpx.Response(next(answers), content=b"ok"))
    assert client.get(PAGE).body == b"ok"
    assert len(pages(seen)) == 3


def test_backoff_is_capped() -> None:
    politeness = Politeness(min_interval=0.0, tries=5, backoff=1.0, backoff_cap=3.0)
    client, _, clock = client_for(lambda r: httpx.Response(500), politeness)
    with pytest.raises(FetchError):
        client.get(PAGE)
    assert clock.sleeps == [1.0, 2.0, 3.0, 3.0]


def test_one_try_says_no_tries_count() -> None:
    politeness = Politeness(min_interval=0.0, tries=1)
    client, _, _ = client_for(lambda r: httpx.Response(500), politeness)
    with pytest.raises(FetchError) as caught:
        client.get(PAGE)
    assert caught.value.reason == "HTTP 500"


def test_304_is_unchanged_only_when_validators_were_sent() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(304)

    client, seen, _ = client_for(handler)
    fetched = client.get(PAGE, Validators(etag='"v1"', last_modified=None))
    assert fetched.not_modified and fetched.body == b""
    assert pages(seen)[-1] == PAGE
    sent = next(r for r in seen if r.url.path != "/robots.txt")
    assert sent.headers["if-none-match"] == '"v1"'
    assert "if-modified-since" not in sent.headers


def test_last_modified_alone_is_sent_as_if_modified_since() -> None:
    client, seen, _ = client_for(lambda r: httpx.Response(200, content=b"x"))
    client.get(PAGE, Validators(etag=None, last_modified="Wed, 01 Jan 2025 00:00:00 GMT"))
    sent = next(r for r in seen if r.url.path != "/robots.txt")
    assert sent.headers["if-modified-since"] == "Wed, 01 Jan 2025 00:00:00 GMT"
    assert "if-none-match" not in sent.headers


def test_a_post_sends_the_form_and_reports_its_status_as_a_post() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and b"kirjaamo=1" in request.content:
            return httpx.Response(200, content=b"list")
        return httpx.Response(405)

    client, seen, _ = client_for(handler)
    fetched = client.post(f"{BASE}/ktwebscr/epj_tek_tweb.htm", {"kirjaamo": "1"}, key=PAGE)
    assert (fetched.body, fetched.url) == (b"list", PAGE)
    assert [r.method for r in seen if r.url.path != "/robots.txt"] == ["POST"]

    for code in (403, 300, 199):
        client, _, _ = client_for(_answer(code))
        with pytest.raises(FetchError) as caught:
            client.post(f"{BASE}/x", {"a": "b"})
        assert (caught.value.reason, caught.value.status) == (f"HTTP {code} to a POST", code)
        assert caught.value.kind == "http"


# -- robots.txt -----------------------------------------------------------------------


@pytest.mark.parametrize("code", [301, 400, 401, 403, 404, 410])
def test_robots_3xx_and_4xx_allow_everything(code: int) -> None:
    client, seen, _ = client_for(
        lambda r: httpx.Response(200, content=b"ok"), robots=lambda r: httpx.Response(code)
    )
    assert client.get(PAGE).body == b"ok"
    assert pages(seen) == [PAGE]


@pytest.mark.parametrize("code", [500, 503])
def test_robots_5xx_blocks_the_host_and_says_why(code: int) -> None:
    politeness = Politeness(min_interval=0.0, tries=1)
    client, seen, _ = client_for(
        lambda r: httpx.Response(200), politeness, robots=lambda r: httpx.Response(code)
    )
    for _ in range(2):  # checked once, remembered
        with pytest.raises(FetchError) as caught:
            client.get(PAGE)
        assert (caught.value.kind, caught.value.reason) == (
            "robots",
            f"robots.txt unavailable (HTTP {code})",
        )
    assert pages(seen) == []
    assert [r.url.path for r in seen] == ["/robots.txt"]


def test_robots_unreachable_is_reported_as_connect_and_checked_again() -> None:
    calls = {"robots": 0}

    def robots(request: httpx.Request) -> httpx.Response:
        calls["robots"] += 1
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    politeness = Politeness(min_interval=0.0, tries=1)
    client, _, _ = client_for(lambda r: httpx.Response(200), politeness, robots=robots)
    for _ in range(2):
        with pytest.raises(FetchError) as caught:
            client.get(PAGE)
        assert (caught.value.kind, caught.value.reason) == ("connect", "connection refused")
    assert calls["robots"] == 2


def test_robots_crawl_delay_spaces_requests_up_to_the_cap() -> None:
    robots_txt = b"User-agent: *\nCrawl-delay: 100\n"
    politeness = Politeness(min_interval=1.0, tries=1, crawl_delay_cap=7.0)
    client, _, clock = client_for(
        lambda r: httpx.Response(200, content=b"ok"),
        politeness,
        robots=lambda r: httpx.Response(200, content=robots_txt),
    )
    client.get(PAGE)
    client.get(PAGE)
    assert clock.sleeps == [7.0, 7.0]  # after robots.txt, then between the two pages


def test_robots_can_be_ignored() -> None:
    client, seen, _ = client_for(
        lambda r: httpx.Response(200, content=b"ok"),
        Politeness(min_interval=0.0, obey_robots=False),
        robots=lambda r: httpx.Response(200, content=b"User-agent: *\nDisallow: /\n"),
    )
    assert client.get(PAGE).body == b"ok"
    assert [r.url.path for r in seen] == ["/cgi/DREQUEST.PHP"]


# -- failures of the connection, in one line ------------------------------------------


@pytest.mark.parametrize(
    ("error", "kind", "reason"),
    [
        (httpx.ConnectError("[Errno 111] Connection refused"), "connect", "connection refused"),
        (httpx.ConnectTimeout("timed out"), "timeout", "timed out"),
        (httpx.ReadTimeout("timed out"), "timeout", "timed out"),
        (
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            "protocol",
            "connection closed without a response",
        ),
        (
            httpx.ReadError("peer closed connection without sending complete message body"),
            "protocol",
            "connection closed before the response was complete",
        ),
        (httpx.UnsupportedProtocol("Request URL has an unsupported protocol"), "protocol", None),
    ],
)
def test_every_transport_failure_has_a_kind_and_one_line(
    error: httpx.HTTPError, kind: str, reason: str | None
) -> None:
    tries = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        tries["n"] += 1
        raise error

    client, _, _ = client_for(handler)
    with pytest.raises(FetchError) as caught:
        client.get(PAGE)
    assert caught.value.kind == kind
    assert "\n" not in caught.value.reason
    if reason is None:  # unexpected httpx errors: not retried, named by type
        assert tries["n"] == 1
        assert caught.value.reason.startswith("UnsupportedProtocol: ")
    else:
        assert tries["n"] == 3
        assert caught.value.reason == f"{reason} after 3 tries"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[Errno 111] Connection refused", "connection refused"),
        ("[Errno -2] Name or service not known", "name resolution failed"),
        ("Temporary failure in name resolution", "name resolution failed"),
        ("nodename nor servname provided", "name resolution failed"),
        ("[Errno -5] No address associated with hostname", "name resolution failed"),
        ("getaddrinfo failed", "name resolution failed"),
        ("[Errno 101] Network is unreachable", "network unreachable"),
        ("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed", None),
        (
            "hostname mismatch, certificate is not valid",
            "TLS error: hostname mismatch, certificate is not valid",
        ),
        ("[SSL] record layer failure", "TLS error: [SSL] record layer failure"),
        ("x" * 200, "cannot connect: " + "x" * 120),
        ("something odd\nsecond line", "cannot connect: something odd"),
        ("", "cannot connect"),
    ],
)
def test_connect_errors_in_words(text: str, reason: str | None) -> None:
    described = describe_connect_error(Exception(text))
    if reason is None:
        assert described.startswith("TLS error: [SSL: CERTIFICATE_VERIFY_FAILED]")
    else:
        assert described == reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("incomplete chunked read", "connection closed before the response was complete"),
        (
            "peer closed connection without sending complete message body",
            "connection closed before the response was complete",
        ),
        ("Server disconnected", "connection closed without a response"),
        ("peer went away without sending a response", "connection closed without a response"),
        ("connection closed", "connection closed without a response"),
        ("illegal header line\nmore", "broken response: illegal header line"),
        ("", "broken response"),
    ],
)
def test_protocol_errors_in_words(text: str, reason: str) -> None:
    assert describe_protocol_error(Exception(text)) == reason


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        (None, None),
        ("120", 120.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("-5", None),
        ("soon", None),
        ("Wed, 01 Jan 2025 00:01:00 GMT", 60.0),
        ("Wed, 01 Jan 2025 00:00:00 GMT", 0.0),
        ("Wed, 01 Jan 2025 00:02:00", 120.0),  # no zone: read as UTC
        ("Tue, 31 Dec 2024 23:00:00 GMT", 0.0),  # in the past: at once
    ],
)
def test_retry_after_forms(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, datetime(2025, 1, 1, tzinfo=UTC)) == seconds


def test_retry_after_is_honoured_and_capped() -> None:
    answers = iter(
        [
            httpx.Response(503, headers={"Retry-After": "9"}),
            httpx.Response(429, headers={"Retry-After": "100000"}),
            httpx.Response(200, content=b"ok"),
        ]
    )
    politeness = Politeness(min_interval=0.0, tries=3, retry_after_cap=50.0)
    client, _, clock = client_for(lambda r: next(answers), politeness)
    assert client.get(PAGE).body == b"ok"
    assert clock.sleeps == [9.0, 50.0]


@pytest.mark.parametrize(
    ("size", "words"),
    [
        (20 * 1024 * 1024, "20 MB"),
        (1024 * 1024, "1 MB"),
        (512 * 1024, "512 kB"),
        (1024, "1 kB"),
        (1000, "1000 bytes"),
        (1, "1 bytes"),
    ],
)
def test_sizes_in_words(size: int, words: str) -> None:
    assert format_size(size) == words


@pytest.mark.parametrize(("cap", "length", "fails"), [(10, 10, False), (10, 11, True)])
def test_the_size_cap_is_inclusive(cap: int, length: int, fails: bool) -> None:
    politeness = Politeness(min_interval=0.0, tries=1, max_bytes=cap)
    client, _, _ = client_for(lambda r: httpx.Response(200, content=b"x" * length), politeness)
    if fails:
        with pytest.raises(FetchError) as caught:
            client.get(PAGE)
        assert (caught.value.kind, caught.value.reason) == (
            "too_large",
            "response larger than 10 bytes",
        )
    else:
        assert len(client.get(PAGE).body) == length


def test_the_readme_table_of_limits_is_the_code() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `(\w+)` \| ([\w.]+) \|", readme, re.M)
    documented = {name: value for name, value in rows if name in _POLITENESS_FIELDS}
    actual = {f.name: str(f.default) for f in dataclasses.fields(Politeness)}
    assert documented == actual
