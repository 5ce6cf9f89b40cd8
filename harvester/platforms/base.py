"""What a platform module tells the harvester: URL knowledge only, no fetching or parsing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from parsers.records import Link, PageKind
from parsers.urls import same_host


@dataclass(frozen=True)
class Platform:
    """One publishing platform (Dynasty, CloudNC, ...) as the harvester sees it.

    ``check_base_url`` returns None for a usable base URL, else a short reason;
    ``start_urls(base_url, extra)`` gives the first pages of a source (``extra`` are the
    source's own ``start_urls`` and replace the defaults when given);
    ``follow(link, base_url, fetch_documents)`` decides whether a parsed link is fetched;
    ``backfill_urls(base_url, extra)`` are the pages that lead to every meeting list (walked
    when a feed overflowed and on a full walk; none when the start pages already are lists).
    """

    name: str
    check_base_url: Callable[[str], str | None]
    start_urls: Callable[[str, Sequence[str]], list[str]]
    follow: Callable[[Link, str, bool], bool]
    backfill_urls: Callable[[str, Sequence[str]], list[str]] = field(default=lambda b, e: [])


def own_host_follower(kinds: frozenset[PageKind]) -> Callable[[Link, str, bool], bool]:
    """A ``follow`` for a platform walked on its own host: links to pages of ``kinds``,
    and to documents (attachments, PDFs) only when the source fetches documents."""

    def follow(link: Link, base_url: str, fetch_documents: bool = False) -> bool:
        if not same_host(link.url, base_url):
            return False
        if link.kind == PageKind.DOCUMENT:
            return fetch_documents
        return link.kind in kinds

    return follow
