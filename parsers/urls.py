"""URL normalisation: one spelling per resource, so URLs can be keys.

Dynasty advertises links with explicit default ports (``http://publish.kuopio.fi:80/cgi/…``,
``https://kokkola10.oncloudos.com:443/…``) and HTML-escaped ampersands; the same page must not
become two rows because of that.
"""

from __future__ import annotations

import html
from urllib.parse import urljoin, urlsplit, urlunsplit

from pykala.parsers.records import ParseError, one_line

_DEFAULT_PORTS = {"http": 80, "https": 443}
_SHOWN = 120  # characters of a bad URL quoted in a warning


class BadUrl(ParseError, ValueError):
    """A URL that cannot be normalised (a port that is not a number, a broken IPv6 host).

    A ParseError, so a page whose own URL is bad fails like any unreadable page; a
    ValueError, as urllib's own errors were. A bad *link* on a page is a warning
    (``link_url``), never a failed page.
    """


def normalise_url(url: str, base: str | None = None) -> str:
    """Absolute URL with lower-case scheme and host, no default port and no fragment.

    ``&amp;`` left over from HTML or CDATA is unescaped; the path and the query keep their
    case and order, since Dynasty's CGI and static file names are case-sensitive.
    """
    url = html.unescape(url.strip())
    try:
        if base is not None:
            url = urljoin(base, url)
        parts = urlsplit(url)
        port = parts.port  # a ValueError for "host:notaport" or a port above 65535
    except ValueError as exc:
        raise BadUrl(one_line(url, _SHOWN), f"bad URL: {exc}") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def same_host(url: str, other: str) -> bool:
    """True when both URLs point at the same host and port (after normalisation)."""
    a, b = urlsplit(normalise_url(url)), urlsplit(normalise_url(other))
    return a.netloc == b.netloc


def link_url(href: str, base: str, warnings: list[str]) -> str | None:
    """``href`` of a page at ``base``, normalised; None (and a warning) when it is bad.

    One broken link must not fail the page that holds it.
    """
    try:
        return normalise_url(href, base=base)
    except BadUrl as exc:
        warning = f"bad link skipped: {exc.url} ({exc.reason})"
        if warning not in warnings:
            warnings.append(warning)
        return None
