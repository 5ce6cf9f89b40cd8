"""Innofactor CloudNC (CaseM) web pages and its OpenNC API: one platform, "cloudnc".

A web source has the site root as base URL (``https://mikkeli.cloudnc.fi``) and is walked
body list (``/fi-FI/Toimielimet``) → meeting list → meeting → item. An API source has the
API root (``http://mikkeli.cloudnc.fi/api/opennc/v1``) and is walked from ``Nodes``:
the parser (parsers.cloudnc hands /api/opennc/ URLs to parsers.opennc) puts the meeting,
body and date of each item on the URLs it emits (``pykala_*`` options), so those links are
fetched exactly as given (the frontier only normalises them, which they already are).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from pykala.harvester.platforms.base import Crawl, Platform, own_host_follower
from pykala.harvester.platforms.urlcheck import check_http_url
from pykala.parsers import cloudnc as pages
from pykala.parsers.records import PageKind
from pykala.parsers.urls import normalise_url

_FOLLOWED = frozenset({PageKind.BODY_LIST, PageKind.MEETING_LIST, PageKind.MEETING, PageKind.ITEM})
_API = "/api/opennc/"


def is_api(base_url: str) -> bool:
    return _API in urlsplit(base_url).path.lower() + "/"


def check_base_url(url: str) -> str | None:
    """None for a site root or an OpenNC API root, else why not."""
    problem = check_http_url(url)
    if problem is not None:
        return problem
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return "must not carry a query or fragment (give the site root or the API root)"
    return None


def start_urls(base_url: str, extra: Sequence[str] = ()) -> list[str]:
    """The source's own start pages, else the API's node list or the site's body list."""
    if extra:
        return [normalise_url(u, base_url) for u in extra]
    base = normalise_url(base_url).rstrip("/")
    if is_api(base_url):
        return [normalise_url(f"{base}/Nodes?$format=json")]
    return [f"{base}/fi-FI/Toimielimet"]


follow = own_host_follower(_FOLLOWED)


PLATFORM = Platform(
    name="cloudnc",
    parse=pages.parse,  # also routes /api/opennc/ URLs to parsers.opennc
    classify=pages.classify,
    crawl=Crawl(check_base_url=check_base_url, start_urls=start_urls, follow=follow),
)
