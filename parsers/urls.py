"""URL normalisation: one spelling per resource, so URLs can be keys.

Dynasty advertises links with explicit default ports (``http://publish.kuopio.fi:80/cgi/…``,
``https://kokkola10.oncloudos.com:443/…``) and HTML-escaped ampersands; the same page must not
become two rows because of that.
"""

from __future__ import annotations

import html
from urllib.parse import urljoin, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_url(url: str, base: str | None = None) -> str:
    """Absolute URL with lower-case scheme and host, no default port and no fragment.

    ``&amp;`` left over from HTML or CDATA is unescaped; the path and the query keep their
    case and order, since Dynasty's CGI and static file names are case-sensitive.
    """
    url = html.unescape(url.strip())
    if base is not None:
        url = urljoin(base, url)
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def same_host(url: str, other: str) -> bool:
    """True when both URLs point at the same host and port (after normalisation)."""
    a, b = urlsplit(normalise_url(url)), urlsplit(normalise_url(other))
    return a.netloc == b.netloc
