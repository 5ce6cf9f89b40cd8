"""The frontier of one source: which page to fetch next.

Feeds first (they name what is new), then body lists, meeting lists and meetings (they name
items), then items, then — only when asked — documents (PDFs). Every URL is fetched once per
run (deduplicated on its normalised form) and a source never takes more than ``max_pages``.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from harvester.platforms import PLATFORMS
from harvester.sources import SourceConfig
from parsers.records import Link, PageKind
from parsers.urls import normalise_url

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
    ) -> None:
        self.source = source
        self.platform = PLATFORMS[source.platform]
        self.classify = classify
        self.max_pages = max_pages
        self.fetch_documents = fetch_documents
        self.scope = scope  # an extra filter on links (start pages are always fetched)
        self.taken = 0
        self._heap: list[Task] = []
        self._seen: set[str] = set()
        self._seq = 0

    def seed(self) -> list[str]:
        """Queue the platform's start pages for this source; returns them."""
        urls = self.platform.start_urls(self.source.base_url, self.source.start_urls)
        for url in urls:
            self.add(url, self.classify(url))
        return urls

    def add(self, url: str, kind: PageKind) -> bool:
        """Queue ``url`` unless it was queued before; True when it is new."""
        url = normalise_url(url)
        if url in self._seen:
            return False
        self._seen.add(url)
        heapq.heappush(
            self._heap, Task(RANK.get(kind, RANK[PageKind.UNKNOWN]), self._seq, url, kind)
        )
        self._seq += 1
        return True

    def add_links(self, links: Iterable[Link]) -> int:
        """Queue the links the platform says to follow; returns how many were new."""
        added = 0
        for link in links:
            if not self.platform.follow(link, self.source.base_url, self.fetch_documents):
                continue
            if self.scope is None or self.scope(link.url):
                added += self.add(link.url, link.kind)
        return added

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
