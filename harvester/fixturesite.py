"""A real HTTP server on 127.0.0.1 that serves saved pages under their original URLs.

The site map (``site.toml`` in the site folder) lists pages by the URL they were saved from::

    [[page]]
    url = "http://publish.kuopio.fi/cgi/DREQUEST.PHP?page=meetingitem&id=2021792181-4"
    file = "../dynasty/kuopio/meetingitem_2021792181-4.html"   # relative to site.toml
    content_type = "text/html; charset=utf-8"
    # method = "POST"               # a page only a form POST gives: a GET of it gets 405

    [[source]]                      # the sources the site stands in for
    name = "kuopio"
    platform = "dynasty"
    base_url = "http://publish.kuopio.fi/cgi/DREQUEST.PHP"
    municipality = "297"

Every original origin becomes a path prefix on the loopback server:
``http://publish.kuopio.fi:80/cgi/X?y`` is served at ``http://127.0.0.1:PORT/publish.kuopio.fi/cgi/X?y``
(a non-default port stays in the prefix: ``/host:8080/…``). Dynasty allows any path before
``/cgi/``, so the loopback base URL is still a valid Dynasty base URL. Inside served bodies
every absolute URL on a mapped host (with or without ``:80``/``:443``, http or https) is
rewritten to its loopback form, so the links a parser finds lead back to this server.

Faults are switched per URL pattern (an fnmatch glob over the request path and query, e.g.
``"*id=2021792181-4*"``): an error status, 429 with Retry-After, closing the connection,
a connection reset, a delay, a slow (dripped) body, a truncated body, a wrong charset, a
replacement body (an XML bomb, a 10 MB page), a redirect (to another host);
``set_content`` swaps a page's body. Unknown URLs get 404. Every request is logged with
its method and form fields (``site.log``; ``site.requests`` holds the targets only).
Used by the crawl tests and ``pykala demo``; ``harvester.synthsite`` serves generated
sites with the same handler.
"""

from __future__ import annotations

import hashlib
import re
import socket
import ssl
import struct
import sys
import threading
import time
import tomllib
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from pykala.parsers.urls import normalise_url

SITE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "site"
DEFAULT_ROBOTS = "User-agent: *\nDisallow: /private/\n"


class SiteError(Exception):
    """A site map that cannot be served (bad TOML, missing file, ...)."""


@dataclass(frozen=True)
class SitePage:
    url: str  # original, normalised
    file: Path
    content_type: str
    post_only: bool = False  # answered to a form POST only (a Tweb meeting list)


@dataclass(frozen=True)
class Request:
    """One request the site received, as sent (a POST's target without its fields)."""

    method: str
    target: str
    form: dict[str, str] = field(default_factory=dict)  # a POST's fields, blank ones too


@dataclass(frozen=True)
class SiteSource:
    name: str
    platform: str
    base_url: str  # original
    municipality: str | None  # None for a document source (regional or national)
    start_urls: tuple[str, ...] = ()
    group: str = "dynasty"  # the sample it belongs to (see FixtureSite.sources_toml)


@dataclass
class Fault:
    """What to do instead of (or to) the normal answer for requests matching ``pattern``."""

    pattern: str
    status: int | None = None  # answer with this status and a short body
    retry_after: str | None = None  # sent with ``status`` (e.g. 429, 503)
    close: bool = False  # close the connection without any answer
    delay: float = 0.0  # seconds to wait before answering
    truncate: int | None = None  # send only this many body bytes, then close
    charset: str | None = None  # declare this charset in Content-Type instead ("": none)
    body: bytes | None = None  # send this body instead (an XML bomb, a huge page)
    redirect: str | None = None  # answer 302 with this Location (another host, a loop)
    reset: bool = False  # reset the connection (TCP RST) without any answer
    drip: float = 0.0  # send the body in 8 chunks this many seconds apart (a slow server)
    trickle: float = 0.0  # send the body one byte at a time, this many seconds apart
    times: int | None = None  # apply to the first N matching requests only
    hits: int = 0  # how many requests it has been applied to


class Faults:
    """A thread-safe, changeable list of faults; the first match wins."""

    def __init__(self, *faults: Fault) -> None:
        self._lock = threading.Lock()
        self._faults = list(faults)

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, target: str) -> Fault | None:
        """The fault for this request path+query, counted as applied; None to answer normally."""
        with self._lock:
            for fault in self._faults:
                if fault.times is not None and fault.hits >= fault.times:
                    continue
                if fnmatchcase(target, fault.pattern):
                    fault.hits += 1
                    return fault
        return None


def load_site(root: Path) -> tuple[list[SitePage], list[SiteSource]]:
    """Read ``root/site.toml``; file paths are relative to it."""
    map_file = root / "site.toml"
    try:
        doc = tomllib.loads(map_file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SiteError(f"{map_file}: {exc}") from exc
    pages: list[SitePage] = []
    for i, entry in enumerate(doc.get("page", []), start=1):
        try:
            path = (map_file.parent / entry["file"]).resolve()
            url, ctype = normalise_url(entry["url"]), entry.get("content_type", "text/html")
        except (KeyError, TypeError) as exc:
            raise SiteError(f"{map_file}: page #{i}: missing {exc}") from exc
        if not path.is_file():
            raise SiteError(f"{map_file}: page #{i} ({url}): no file {path}")
        method = str(entry.get("method", "GET")).upper()
        if method not in ("GET", "POST"):
            raise SiteError(f"{map_file}: page #{i} ({url}): method must be GET or POST")
        pages.append(SitePage(url, path, ctype, post_only=method == "POST"))
    sources = [
        SiteSource(
            name=s["name"],
            platform=s["platform"],
            base_url=s["base_url"],
            municipality=s.get("municipality"),
            start_urls=tuple(s.get("start_urls", ())),
            group=s.get("group", "dynasty"),
        )
        for s in doc.get("source", [])
    ]
    return pages, sources


def _query_key(query: str) -> str:
    """Query parameters in a fixed order, so ``a=1&b=2`` and ``b=2&a=1`` find the same page."""
    return urlencode(sorted(parse_qsl(query, keep_blank_values=True)), safe="/")


def _local_target(original: str) -> str:
    """``http://host:80/p?q`` → ``/host/p?q`` (the path and query on the loopback server)."""
    parts = urlsplit(normalise_url(original))
    target = f"/{parts.netloc}{parts.path}"
    return f"{target}?{parts.query}" if parts.query else target


# href="/p", src='/p', action="/p": a root-relative link (CloudNC, Tweb's form action).
_ROOT_RELATIVE = re.compile(rb"""(\b(?:href|src|action)\s*=\s*["'])/(?!/)""", re.IGNORECASE)


def _root_relative(body: bytes, target: str) -> bytes:
    """Keep root-relative links on the page's own host prefix (``/host/...``)."""
    host = target.lstrip("/").partition("/")[0].encode()
    return _ROOT_RELATIVE.sub(lambda m: m.group(1) + b"/" + host + b"/", body)


def _lookup_key(target: str) -> str:
    path, _, query = target.partition("?")
    return f"{path}?{_query_key(query)}" if query else path


class ServedSite:
    """What the request handler needs of a site: pages, faults, robots.txt, a request log."""

    def __init__(self, faults: Faults | None = None) -> None:
        self.faults = faults if faults is not None else Faults()
        self.robots_txt: str | None = DEFAULT_ROBOTS  # None → /robots.txt is a 404
        self.requests: list[str] = []  # request targets in arrival order, for assertions
        self.log: list[Request] = []  # the same requests with their method and form fields
        self.log_requests = True  # off for long benchmarks (the log grows with every request)
        self.base_url = ""  # set once the server is listening
        self._lock = threading.Lock()

    def resolve(self, target: str) -> tuple[bytes, str] | None:
        """Body and content type for a request target, or None for a 404."""
        raise NotImplementedError

    def post_only(self, target: str) -> bool:
        """True for a page only a form POST gives (a GET of it is answered 405)."""
        return False

    def posts(self) -> list[Request]:
        """The POST requests received so far."""
        with self._lock:
            return [r for r in self.log if r.method == "POST"]


class FixtureSite(ServedSite):
    """A running fixture server; create it with ``serve_fixture_site``."""

    def __init__(self, pages: list[SitePage], sources: list[SiteSource], faults: Faults) -> None:
        super().__init__(faults)
        self.sources = sources
        self._pages = {_lookup_key(_local_target(p.url)): p for p in pages}
        self._overrides: dict[str, tuple[bytes, str | None]] = {}
        hosts = {urlsplit(p.url).hostname or "" for p in pages}
        hosts |= {urlsplit(s.base_url).hostname or "" for s in sources}
        hosts.discard("")
        self._origin_re = (
            re.compile(
                rb"https?://("
                + b"|".join(re.escape(h.encode()) for h in sorted(hosts, key=len, reverse=True))
                + rb")(?::(\d+))?",
                re.IGNORECASE,
            )
            if hosts
            else None
        )

    def url_for(self, original: str) -> str:
        """The loopback URL at which ``original`` is served."""
        return self.base_url + _local_target(original)

    def original_for(self, local_url: str) -> str:
        """The inverse of url_for, for mapped hosts (scheme taken from the site map)."""
        target = local_url.removeprefix(self.base_url)
        page = self._pages.get(_lookup_key(target))
        if page is not None:
            return page.url
        netloc, _, rest = target.lstrip("/").partition("/")
        return f"http://{netloc}/{rest}"

    def covers(self, local_url: str) -> bool:
        """True when ``local_url`` (a loopback URL) is a page of the site map.

        Pass it as ``harvest(scope=...)`` to keep a crawl inside the saved sample.
        """
        if not local_url.startswith(self.base_url + "/"):
            return False
        return _lookup_key(local_url.removeprefix(self.base_url)) in self._pages

    def sources_toml(self, groups: Collection[str] | None = ("dynasty",)) -> str:
        """A sources file whose base URLs point at this server.

        Only the sources of ``groups`` (site.toml ``group``, default "dynasty": the
        Dynasty sample the crawl tests were written for); None = every source of every
        platform ("pykala demo", tests/test_seeds.py).
        """
        out: list[str] = []
        for s in self.sources:
            if groups is not None and s.group not in groups:
                continue
            out += [
                "[[source]]",
                f'name = "{s.name}"',
                f'platform = "{s.platform}"',
                f'base_url = "{self.url_for(s.base_url)}"',
            ]
            if s.municipality is not None:
                out.append(f'municipality = "{s.municipality}"')
            if s.start_urls:
                urls = ", ".join(f'"{self.url_for(u)}"' for u in s.start_urls)
                out.append(f"start_urls = [{urls}]")
            out.append("")
        return "\n".join(out)

    def set_content(self, original: str, body: bytes, content_type: str | None = None) -> None:
        """Serve ``body`` at ``original`` from now on (a page the municipality changed)."""
        with self._lock:
            self._overrides[_lookup_key(_local_target(original))] = (body, content_type)

    def reset_content(self) -> None:
        with self._lock:
            self._overrides.clear()

    def rewrite(self, body: bytes) -> bytes:
        """Point every absolute URL on a mapped host at the loopback server."""
        if self._origin_re is None:
            return body
        prefix = self.base_url.encode()

        def local(match: re.Match[bytes]) -> bytes:
            host, port = match.group(1).lower(), match.group(2)
            if port is None or port in (b"80", b"443"):
                return prefix + b"/" + host
            return prefix + b"/" + host + b":" + port

        return self._origin_re.sub(local, body)

    def post_only(self, target: str) -> bool:
        page = self._pages.get(_lookup_key(target))
        return page is not None and page.post_only

    def resolve(self, target: str) -> tuple[bytes, str] | None:
        """Body (rewritten) and content type for a request target, or None for a 404."""
        key = _lookup_key(target)
        with self._lock:
            override = self._overrides.get(key)
        page = self._pages.get(key)
        if override is not None:
            body, ctype = override
            fallback = page.content_type if page else "text/html; charset=utf-8"
            return self.rewrite(body), ctype or fallback
        if page is None:
            return None
        body = self.rewrite(page.file.read_bytes())
        if page.content_type.startswith("text/html"):
            body = _root_relative(body, target)
        return body, page.content_type


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, the body waits for the
    # client's delayed ACK (40 ms per request on Linux loopback).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: object) -> None:
        pass  # tests read site.requests instead of stderr noise

    def do_POST(self) -> None:
        """A form POST is answered as a GET of the URL with the form's non-blank fields
        added to the query (a Tweb meeting list: ``pk_kokl_tweb.htm?oper=where&kirjaamo=690``)."""
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qsl(self.rfile.read(length).decode("latin-1"), keep_blank_values=True)
        sent = Request("POST", self.path, dict(form))
        fields = urlencode([(k, v) for k, v in form if v], safe="/")
        if fields:
            self.path += ("&" if "?" in self.path else "?") + fields
        self._answer(sent)

    def do_GET(self) -> None:
        self._answer(Request("GET", self.path))

    def _answer(self, sent: Request) -> None:
        site = self.server.site
        if site.log_requests:
            with site._lock:
                site.requests.append(self.path)
                site.log.append(sent)
        fault = site.faults.take(self.path)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.close:
            self.close_connection = True
            return
        if fault is not None and fault.reset:
            # SO_LINGER 0: close() sends RST instead of FIN ("connection reset by peer").
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if fault is not None and fault.redirect is not None:
            self._send(302, b"", "text/plain", {"Location": fault.redirect})
            return
        if fault is not None and fault.status is not None:
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self._send(fault.status, f"fault {fault.status}\n".encode(), "text/plain", headers)
            return
        if self.path == "/robots.txt":
            if site.robots_txt is None:
                self._send(404, b"not found\n", "text/plain")
            else:
                self._send(200, site.robots_txt.encode(), "text/plain")
            return
        if sent.method == "GET" and site.post_only(self.path):
            # What a form-only page answers a GET (the harvester must send the form).
            self._send(405, b"method not allowed\n", "text/plain", {"Allow": "POST"})
            return
        found = site.resolve(self.path)
        if found is None:
            self._send(404, b"not found\n", "text/plain")
            return
        body, ctype = found
        if fault is not None and fault.body is not None:
            body = fault.body
        if fault is not None and fault.charset is not None:  # "" drops the charset
            ctype = re.sub(r";\s*charset=[^;]*", "", ctype)
            ctype += f"; charset={fault.charset}" if fault.charset else ""
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        if self.headers.get("If-None-Match") == etag:
            self._send(304, b"", None, {"ETag": etag})
            return
        truncate = fault.truncate if fault is not None else None
        drip = fault.drip if fault is not None else 0.0
        if fault is not None and fault.trickle:
            self._trickle(body, ctype, fault.trickle)
            return
        self._send(200, body, ctype, {"ETag": etag}, truncate=truncate, drip=drip)

    def _trickle(self, body: bytes, content_type: str, every: float) -> None:
        """A byte at a time, ``every`` seconds apart, until the client hangs up."""
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.close_connection = True
        try:
            for n in range(len(body)):
                self.wfile.write(body[n : n + 1])
                self.wfile.flush()
                time.sleep(every)
        except OSError:  # the client gave up: that is the point
            return

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str | None,
        headers: dict[str, str] | None = None,
        truncate: int | None = None,
        drip: float = 0.0,
    ) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        if truncate is not None:
            self.send_header("Connection", "close")
        self.end_headers()
        if truncate is not None:
            self.wfile.write(body[:truncate])
            self.wfile.flush()
            self.close_connection = True
            return
        if status != 304 and drip:
            step = max(1, len(body) // 8 + 1)
            for start in range(0, len(body), step):
                self.wfile.write(body[start : start + step])
                self.wfile.flush()
                time.sleep(drip)
        elif status != 304:
            self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64
    site: ServedSite

    def handle_error(self, request: object, client_address: object) -> None:
        # A client hanging up on a kept-alive connection is normal, not worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextmanager
def serve_fixture_site(
    root: Path = SITE_DIR, faults: Faults | None = None
) -> Iterator[FixtureSite]:
    """Serve the site in ``root`` on a free port of 127.0.0.1 for the ``with`` block."""
    pages, sources = load_site(root)
    site = FixtureSite(pages, sources, faults if faults is not None else Faults())
    with serve(site):
        yield site


@contextmanager
def serve(
    site: ServedSite, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None
) -> Iterator[ServedSite]:
    """Serve ``site`` on a free port of ``host`` for the ``with`` block (sets base_url);
    over HTTPS with ``tls`` (a server context holding a certificate for ``host``)."""
    server = _Server((host, 0), _Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.site = site
    address, port = server.server_address[:2]
    site.base_url = f"{'https' if tls else 'http'}://{address!s}:{port}"
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="fixture-site", daemon=True
    )
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port_url() -> str:
    """``http://127.0.0.1:PORT`` for a port nothing listens on (an unreachable source)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


__all__ = [
    "SITE_DIR",
    "Fault",
    "Faults",
    "FixtureSite",
    "Request",
    "ServedSite",
    "SiteError",
    "SitePage",
    "SiteSource",
    "closed_port_url",
    "load_site",
    "serve",
    "serve_fixture_site",
]
