"""The base-URL check every platform starts with."""

from __future__ import annotations

from urllib.parse import urlsplit


def check_http_url(url: str) -> str | None:
    """None for an absolute http(s) URL with a host and a valid port, else why not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "must start with http:// or https://"
    if not parts.hostname:
        return "has no host"
    try:
        parts.port  # noqa: B018 - raises on a non-numeric port
    except ValueError:
        return "has an invalid port"
    return None
