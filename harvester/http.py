"""The polite HTTP client: the only place pykala talks to the network.

One request at a time per host with a minimum interval, a User-Agent that says who we are,
robots.txt obeyed, retries with exponential backoff and jitter on transient failures
(connection errors, timeouts, 429, 5xx) honouring Retry-After, conditional GET, a response
size cap, a total deadline per request (connect, headers and every body byte: a server
dripping a byte at a time cannot hold a worker; harvester.deadline) and redirects followed
on the same host only, never from https to http. Every failure becomes a FetchError with a
one-line reason a person can read in a report (harvester.httpwords).

The transport is injectable (``httpx.MockTransport`` in unit tests) and so are the clock,
``sleep`` and the jitter source, so tests measure politeness without waiting for it.
"""

from __future__ import annotations

import importlib.metadata
import random
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from pykala.harvester.deadline import Deadline
from pykala.harvester.httpwords import (
    describe_connect_error,
    describe_protocol_error,
    format_size,
    parse_retry_after,
)
from pykala.parsers.urls import normalise_url, same_host

try:
    VERSION = importlib.metadata.version("pykala")
except importlib.metadata.PackageNotFoundError:  # running from a checkout
    VERSION = "0.1.0"

USER_AGENT = f"pykala/{VERSION} (+https://github.com/pykala/pykala)"
ROBOTS_AGENT = "pykala"  # the token robots.txt rules are matched against

_REDIRECTS = {301, 302, 303, 307, 308}
DEFAULT_TOTAL_TIMEOUT = 30.0  # seconds for one request, all of it (README: --timeout)


@dataclass(frozen=True)
class Politeness:
    """How hard pykala may push a server. The defaults are for real servers."""

    min_interval: float = 1.0  # seconds between requests to one host
    tries: int = 3  # attempts per URL, including the first
    backoff: float = 2.0  # first retry delay in seconds; doubles each time, plus jitter
    backoff_cap: float = 60.0
    retry_after_cap: float = 300.0  # a longer Retry-After is cut to this
    max_bytes: int = 20 * 1024 * 1024
    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # one socket read
    # One attempt as a whole: connect, headers and the whole body. Not retried in the same
    # run (the page stays queued): a slow server would otherwise hold its worker `tries`
    # times as long.
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT
    max_redirects: int = 5
    obey_robots: bool = True
    crawl_delay_cap: float = 30.0  # robots.txt Crawl-delay is honoured up to this


@dataclass(frozen=True)
class Validators:
    """What a stored copy lets us ask for: "only if changed"."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Fetched:
    url: str  # as asked for (normalised)
    final_url: str  # after same-host redirects
    status: int  # 200, or 304 when the stored copy is still current
    headers: dict[str, str]  # lower-case names
    body: bytes  # empty for a 304
    fetched_at: datetime  # timezone-aware UTC

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")


@dataclass
class Meter:
    """Requests made and response bytes read on behalf of one caller (one source).

    Counts every attempt, retries and robots.txt included: what the server saw.
    """

    requests: int = 0
    bytes: int = 0


class FetchError(Exception):
    """A URL that could not be fetched; ``reason`` is one line, ``kind`` a category.

    kind: "connect" (DNS, refused, unreachable), "timeout", "http" (an error status),
    "too_large", "robots", "redirect", "protocol" (broken or truncated response), "archive"
    (fetched, but the database refused to store it), "interrupted" (not sent: the
    client was cancelled; not the page's fault).
    """

    def __init__(
        self,
        url: str,
        reason: str,
        kind: str = "http",
        status: int | None = None,
        location: str | None = None,
    ) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.kind = kind
        self.status = status  # the HTTP status of an "http" failure
        self.location = location  # a "redirect" to another host: where it pointed

    @property
    def permanent(self) -> bool:
        """True when trying again later is pointless: robots.txt, 404, 410 and other 4xx."""
        if self.kind == "robots":
            return True
        return self.status is not None and 400 <= self.status < 500 and self.status != 429


class _Retryable(Exception):
    """One failed attempt that may succeed later; ``wait`` is the server's Retry-After."""

    def __init__(
        self, reason: str, kind: str, wait: float | None = None, status: int | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
        self.wait = wait
        self.status = status


@dataclass
class _Host:
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_request: float | None = None
    interval: float = 0.0
    robots: RobotFileParser | None = None
    robots_error: str | None = None  # robots.txt could not be read: nothing is fetched
    robots_checked: bool = False
    robots_lock: threading.Lock = field(default_factory=threading.Lock)


class PoliteClient:
    """A synchronous, thread-safe polite client. Use as a context manager or call close()."""

    def __init__(
        self,
        politeness: Politeness | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,  # default: a wait cancel() ends
        jitter: Callable[[], float] = random.random,
        user_agent: str = USER_AGENT,
        verify: ssl.SSLContext | bool = True,  # tests: trust a loopback HTTPS server
    ) -> None:
        self.politeness = p = politeness or Politeness()
        self._clock = clock
        self._cancelled = threading.Event()
        self._sleep = sleep or self._cancellable_sleep
        self._jitter = jitter
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self._http = httpx.Client(
            transport=transport,
            headers={"User-Agent": user_agent},
            timeout=httpx.Timeout(p.read_timeout, connect=p.connect_timeout),
            follow_redirects=False,  # we follow them ourselves, same host only
            verify=verify,
        )

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def cancel(self) -> None:
        """Stop waiting: a backoff or interval wait ends at once and every request not yet
        sent fails as "interrupted" (Ctrl-C: the run ends now, not after minutes of
        retries). A request already on the wire still ends by its deadline."""
        self._cancelled.set()

    def _cancellable_sleep(self, seconds: float) -> None:
        self._cancelled.wait(seconds)

    # -- public ---------------------------------------------------------------------------

    def get(
        self, url: str, validators: Validators | None = None, meter: Meter | None = None
    ) -> Fetched:
        """Fetch ``url`` politely. A 304 answer comes back as ``Fetched(status=304, body=b"")``.

        Raises FetchError for anything else that is not a 2xx response. ``meter`` counts
        the requests and bytes this call cost.
        """
        url = normalise_url(url)
        meter = meter if meter is not None else Meter()
        current = url
        for _ in range(self.politeness.max_redirects + 1):
            self._check_robots(current, meter)
            response_url, status, headers, body = self._get_with_retries(current, validators, meter)
            if status in _REDIRECTS and "location" in headers:
                target = normalise_url(headers["location"], response_url)
                if not same_host(target, url):
                    host = urlsplit(target).netloc
                    raise FetchError(
                        url, f"redirected to another host ({host})", "redirect", location=target
                    )
                if _downgrades(current, target):
                    raise FetchError(url, "redirect from https to http refused", "redirect")
                current = target
                continue
            if status == 304 and validators is not None:
                return Fetched(url, current, 304, headers, b"", datetime.now(UTC))
            if not 200 <= status < 300:
                raise FetchError(url, f"HTTP {status}", "http", status)
            return Fetched(url, current, status, headers, body, datetime.now(UTC))
        raise FetchError(url, f"more than {self.politeness.max_redirects} redirects", "redirect")

    def post(
        self,
        url: str,
        form: Mapping[str, str],
        meter: Meter | None = None,
        *,
        key: str | None = None,
    ) -> Fetched:
        """POST ``form`` to ``url`` as politely as get(): robots.txt, the per-host interval,
        retries. For search forms whose answer is a page (Tweb meeting lists): the request
        is safe to repeat, and a redirect is not followed. ``key`` is the URL the answer is
        known by (``Fetched.url``, the page's key in the archive); default ``url``.
        """
        url = normalise_url(url)
        key = normalise_url(key) if key is not None else url
        meter = meter if meter is not None else Meter()
        self._check_robots(url, meter)
        _, status, headers, body = self._get_with_retries(url, None, meter, form)
        if not 200 <= status < 300:
            raise FetchError(key, f"HTTP {status} to a POST", "http", status)
        return Fetched(key, key, status, headers, body, datetime.now(UTC))

    # -- politeness -----------------------------------------------------------------------

    def _host(self, url: str) -> _Host:
        key = urlsplit(url).netloc
        with self._hosts_lock:
            if key not in self._hosts:
                self._hosts[key] = _Host(interval=self.politeness.min_interval)
            return self._hosts[key]

    def _check_robots(self, url: str, meter: Meter) -> None:
        if not self.politeness.obey_robots:
            return
        host = self._host(url)
        with host.robots_lock:
            if not host.robots_checked:
                self._load_robots(url, host, meter)
        if host.robots_error is not None:
            raise FetchError(url, host.robots_error, "robots")
        if host.robots is not None and not host.robots.can_fetch(ROBOTS_AGENT, url):
            raise FetchError(url, "disallowed by robots.txt", "robots")

    def _load_robots(self, url: str, host: _Host, meter: Meter) -> None:
        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        try:
            _, status, _, body = self._get_with_retries(robots_url, None, meter)
        except FetchError as exc:
            if exc.kind in ("connect", "timeout", "interrupted"):
                # Unreachable (or cancelled): report that for the page, check again next time.
                raise FetchError(url, exc.reason, exc.kind) from None
            # RFC 9309: a server error on robots.txt means "assume everything disallowed".
            host.robots_error = f"robots.txt unavailable ({exc.reason})"
            host.robots_checked = True
            return
        host.robots_checked = True
        if 200 <= status < 300:
            parser = RobotFileParser(robots_url)
            parser.parse(body.decode("utf-8", errors="replace").splitlines())
            host.robots = parser
            delay = parser.crawl_delay(ROBOTS_AGENT)
            if delay is not None:
                cap = self.politeness.crawl_delay_cap
                host.interval = max(host.interval, min(float(delay), cap))
        # 3xx (unfollowed) and 4xx: no usable robots.txt, everything is allowed.

    def _wait_turn(self, host: _Host) -> None:
        """Block until ``host.interval`` has passed since the last request to the host."""
        if host.last_request is not None:
            remaining = host.last_request + host.interval - self._clock()
            if remaining > 0:
                self._sleep(remaining)

    # -- one URL, with retries ------------------------------------------------------------

    def _get_with_retries(
        self,
        url: str,
        validators: Validators | None,
        meter: Meter,
        form: Mapping[str, str] | None = None,
    ) -> tuple[str, int, dict[str, str], bytes]:
        p = self.politeness
        host = self._host(url)
        last: _Retryable | None = None
        for attempt in range(p.tries):
            if last is not None:
                self._sleep(self._retry_delay(attempt, last.wait))
            with host.lock:
                self._wait_turn(host)
                if self._cancelled.is_set():
                    raise FetchError(url, "interrupted before it was sent", "interrupted")
                meter.requests += 1
                try:
                    result = self._attempt(url, validators, form)
                    meter.bytes += len(result[3])
                    return result
                except _Retryable as exc:
                    last = exc
                finally:
                    host.last_request = self._clock()
        assert last is not None
        reason = last.reason
        if p.tries > 1:
            reason = f"{reason} after {p.tries} tries"
        raise FetchError(url, reason, last.kind, last.status)

    def _retry_delay(self, attempt: int, retry_after: float | None) -> float:
        p = self.politeness
        if retry_after is not None:
            return min(retry_after, p.retry_after_cap)
        base: float = min(p.backoff * 2.0 ** (attempt - 1), p.backoff_cap)
        return base * (0.5 + self._jitter() / 2)  # jitter: spread clients that failed together

    def _attempt(
        self, url: str, validators: Validators | None, form: Mapping[str, str] | None = None
    ) -> tuple[str, int, dict[str, str], bytes]:
        headers: dict[str, str] = {}
        if validators is not None:
            if validators.etag:
                headers["If-None-Match"] = validators.etag
            if validators.last_modified:
                headers["If-Modified-Since"] = validators.last_modified
        total = self.politeness.total_timeout
        deadline = Deadline(total)
        try:
            with (
                deadline,
                self._http.stream(
                    "POST" if form is not None else "GET",
                    url,
                    headers=headers,
                    data=dict(form) if form is not None else None,
                    timeout=self._timeout_within(total),
                    extensions={"trace": deadline.trace},
                ) as response,
            ):
                deadline.watch(response)
                status = response.status_code
                resp_headers = {k.lower(): v for k, v in response.headers.items()}
                if status == 429 or status >= 500:
                    wait = parse_retry_after(resp_headers.get("retry-after"), datetime.now(UTC))
                    raise _Retryable(f"HTTP {status}", "http", wait, status)
                body = self._read_capped(url, response, deadline) if 200 <= status < 300 else b""
                return str(response.url), status, resp_headers, body
        except httpx.HTTPError as exc:
            if deadline.passed():  # the watchdog cut the connection, or a read ran out of time
                raise FetchError(url, deadline.reason, "timeout") from None
            raise _retryable_or_fetch_error(url, exc) from None

    def _timeout_within(self, total: float) -> httpx.Timeout:
        """httpx's per-phase timeouts, none longer than the whole request may take."""
        p = self.politeness
        return httpx.Timeout(
            min(p.read_timeout, total),
            connect=min(p.connect_timeout, total),
            pool=total,
        )

    def _read_capped(
        self, url: str, response: httpx.Response, deadline: Deadline | None = None
    ) -> bytes:
        cap = self.politeness.max_bytes
        too_large = FetchError(url, f"response larger than {format_size(cap)}", "too_large")
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            raise too_large
        # One growing buffer, not a list of chunks: each chunk is freed at once, so a
        # 20 MB body read in thousands of small reads does not fragment the heap.
        buffer = bytearray()
        for chunk in response.iter_bytes():
            if len(buffer) + len(chunk) > cap:
                raise too_large  # stop reading: leaving the block closes the connection
            if deadline is not None and deadline.passed():
                raise FetchError(url, deadline.reason, "timeout")
            buffer += chunk
        return bytes(buffer)


def _retryable_or_fetch_error(url: str, exc: httpx.HTTPError) -> Exception:
    """An httpx failure as a retryable attempt or, for the unexpected, a FetchError."""
    if isinstance(exc, httpx.TimeoutException):
        return _Retryable("timed out", "timeout")
    if isinstance(exc, httpx.ConnectError):
        return _Retryable(describe_connect_error(exc), "connect")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return _Retryable(describe_protocol_error(exc), "protocol")
    # Anything else httpx can throw: one line, no traceback.
    return FetchError(url, f"{type(exc).__name__}: {exc}", "protocol")


def _downgrades(current: str, target: str) -> bool:
    """True for a redirect from https to plain http (the same host included)."""
    return urlsplit(current).scheme == "https" and urlsplit(target).scheme != "https"
