"""Innofactor Dynasty: where a source's pages are and which links are worth fetching.

Every Dynasty tenant serves a CGI at ``…/cgi/DREQUEST.PHP`` (the prefix before ``/cgi/``
varies, so a source stores the whole base URL). The two RSS feeds are the cheapest way to
see what is new; meetings and items are reached through the links the parser finds.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from pykala.harvester.platforms.base import Crawl, Platform, own_host_follower
from pykala.harvester.platforms.urlcheck import check_http_url
from pykala.parsers import dynasty as pages
from pykala.parsers.records import PageKind
from pykala.parsers.urls import normalise_url

FEED_SIZE = 100  # scrapers use 100; the UI advertises 30. Dynasty feeds have no paging.

_FOLLOWED = frozenset(
    {
        PageKind.FEED_ITEMS,
        PageKind.FEED_MEETINGS,
        PageKind.BODY_LIST,
        PageKind.MEETING_LIST,
        PageKind.MEETING,
        PageKind.ITEM,
    }
)


def check_base_url(url: str) -> str | None:
    """None when ``url`` looks like a Dynasty CGI URL, else why not."""
    if problem := check_http_url(url):
        return problem
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return "must not carry a query or fragment (give the bare …/cgi/DREQUEST.PHP URL)"
    if not parts.path.endswith("/DREQUEST.PHP"):
        return "must end in /cgi/DREQUEST.PHP for a Dynasty source"
    return None


def feed_urls(base_url: str, show: int = FEED_SIZE) -> list[str]:
    """The item feed first (it names items directly), then the meeting feed."""
    base = normalise_url(base_url)
    return [f"{base}?page=rss/meetingitems&show={show}", f"{base}?page=rss/meetings&show={show}"]


def start_urls(base_url: str, extra: Sequence[str] = ()) -> list[str]:
    """A source's own start pages (e.g. a static export's TELIMET.HTM) or else both feeds."""
    if extra:
        return [normalise_url(u, base_url) for u in extra]
    return feed_urls(base_url)


def backfill_urls(base_url: str, extra: Sequence[str] = ()) -> list[str]:
    """The body list (meeting_handlers) of the CGI: every body's meeting list is linked there.

    None for a source whose own start pages are already a body list (a static export).
    """
    if any(_is_body_list(normalise_url(u, base_url)) for u in extra):
        return []
    return [f"{normalise_url(base_url)}?page=meeting_handlers"]


def _is_body_list(url: str) -> bool:
    path = urlsplit(url).path.upper()
    return path.endswith("TELIMET.HTM") or "PAGE=MEETING_HANDLERS" in url.upper()


follow = own_host_follower(_FOLLOWED)


PLATFORM = Platform(
    name="dynasty",
    parse=pages.parse,
    classify=pages.classify,
    crawl=Crawl(
        check_base_url=check_base_url,
        start_urls=start_urls,
        follow=follow,
        backfill_urls=backfill_urls,
    ),
)
