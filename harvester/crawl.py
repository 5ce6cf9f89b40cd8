"""The frontier of one source: which page to fetch next, and which links are worth it.

Pages left over from earlier runs first (failed fetches, then links found but not yet
fetched), then feeds (they name what is new), body lists, meeting lists and meetings (they
name items), then items, then — only when asked — documents (PDFs). Every URL is fetched
once per run (deduplicated on its normalised form) and a source never takes more than
``max_pages``.

A full walk follows every link. An incremental (nightly) run follows a link to a page the
archive already holds only where the page may have changed: an item named by a feed or by a
meeting page (a conditional GET: one cheap request), and the meeting lists of a body list.
When every entry of a feed is new, the feed window may have overflowed since the last
run, so the source's meeting lists are walked back to the meetings already known.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

from pykala.harvester.platforms import crawl_rules
from pykala.harvester.sources import SourceConfig
from pykala.parsers.records import Link, PageKind
from pykala.parsers.urls import normalise_url

RANK: dict[PageKind, int] = {
    PageKind.FEED_ITEMS: 0,
    PageKind.FEED_MEETINGS: 0,
    PageKind.BODY_LIST: 1,
    PageKind.MEETING_LIST: 2,
    PageKind.MEETING: 3,
    PageKind.ITEM: 4,
    PageKind.DOCUMENT: 5,
    PageKind.UNKNOWN: 6,
}
RETRY_RANK = -1  # failed fetches of earlier runs go first

_FEEDS = {PageKind.FEED_ITEMS, PageKind.FEED_MEETINGS}
# (found on, link kind) pairs followed even to a page the archive holds: it may have changed.
_RECHECK = {
    (PageKind.FEED_ITEMS, PageKind.ITEM),
    (PageKind.MEETING, PageKind.ITEM),
    (PageKind.BODY_LIST, PageKind.MEETING_LIST),
}


@dataclass(frozen=True, order=True)
class Task:
    rank: int
    seq: int  # first come, first served within a rank
    url: str = field(compare=False)
    kind: PageKind = field(compare=False)


class Frontier:
    """Pending pages of one source, best first."""

    def __init__(
        self,
        source: SourceConfig,
        classify: Callable[[str], PageKind],
        *,
        max_pages: int | None = None,
        fetch_documents: bool = False,
        scope: Callable[[str], bool] | None = None,
        full: bool = False,
        known: Collection[str] = (),
    ) -> None:
        self.source = source
        self.platform = crawl_rules(source.platform)
        self.classify = classify
        self.max_pages = max_pages
        self.fetch_documents = fetch_documents
        self.scope = scope  # an extra filter on links (start pages are always fetched)
        self.full = full  # follow every link, known or not
        self.known = known  # URLs the archive holds for this source
        self.backfilled = False  # the meeting lists were queued (feed overflow or full walk)
        self.taken = 0
        self._heap: list[Task] = []
        self._seen: set[str] = set()
        self._seq = 0

    def seed(self) -> list[str]:
        """Queue the platform's start pages for this source; returns them."""
        urls = self.platform.start_urls(self.source.base_url, self.source.start_urls)
        for url in urls:
            self.add(url, self.classify(url))
        if self.full:
            self.backfill()
        return urls

    def backfill(self) -> list[Task]:
        """Queue the platform's way into every meeting list (once per run)."""
        if self.backfilled:
            return []
        self.backfilled = True
        tasks: list[Task] = []
        for url in self.platform.backfill_urls(self.source.base_url, self.source.start_urls):
            if self.scope is None or self.scope(url):
                task = self.add(url, self.classify(url))
                if task is not None:
                    tasks.append(task)
        return tasks

    def add(self, url: str, kind: PageKind, rank: int | None = None) -> Task | None:
        """Queue ``url`` unless it was queued before; the new task, or None."""
        url = normalise_url(url)
        if url in self._seen:
            return None
        self._seen.add(url)
        if rank is None:
            rank = RANK.get(kind, RANK[PageKind.UNKNOWN])
        task = Task(rank, self._seq, url, kind)
        heapq.heappush(self._heap, task)
        self._seq += 1
        return task

    def add_links(self, links: Iterable[Link], found_on: PageKind | None = None) -> int:
        """Queue the links worth following; returns how many were new."""
        return len(self.take_links(links, found_on))

    def take_links(self, links: Iterable[Link], found_on: PageKind | None = None) -> list[Task]:
        """Queue the links worth following from a page of kind ``found_on``; the new tasks.

        On a feed whose every followed entry is new, the meeting lists are queued too.
        """
        wanted: list[Link] = []
        for link in links:
            if not self.platform.follow(link, self.source.base_url, self.fetch_documents):
                continue
            if self.scope is None or self.scope(link.url):
                wanted.append(link)
        tasks: list[Task] = []
        for link in wanted:
            if self._worth_fetching(link, found_on):
                task = self.add(link.url, link.kind)
                if task is not None:
                    tasks.append(task)
        if found_on in _FEEDS and wanted and not any(self._known(w.url) for w in wanted):
            tasks.extend(self.backfill())
        return tasks

    def _known(self, url: str) -> bool:
        return normalise_url(url) in self.known

    def _worth_fetching(self, link: Link, found_on: PageKind | None) -> bool:
        if self.full or found_on is None or not self._known(link.url):
            return True
        return (found_on, link.kind) in _RECHECK

    def pop(self) -> Task | None:
        """The next page to fetch, or None when done or the page budget is spent."""
        if not self._heap or (self.max_pages is not None and self.taken >= self.max_pages):
            return None
        self.taken += 1
        return heapq.heappop(self._heap)

    def __len__(self) -> int:
        return len(self._heap)

    @property
    def truncated(self) -> bool:
        """True when pages were left unfetched because of ``max_pages``."""
        return bool(self._heap) and self.max_pages is not None and self.taken >= self.max_pages
