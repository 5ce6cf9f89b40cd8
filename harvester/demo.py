"""``pykala demo``: the whole flow offline, against the bundled fixture site on 127.0.0.1.

The site listens on a free loopback port, but its pages are addressed as
``DEMO_ORIGIN`` (a transport sends those requests to the port): the items' and documents'
URLs, and so their keys and versions, do not depend on the port, so a second demo into
the same archive finds everything unchanged.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from pykala.harvester.fixturesite import serve_fixture_site
from pykala.harvester.http import PoliteClient, Politeness
from pykala.harvester.report import Progress, RunReport
from pykala.harvester.run import harvest
from pykala.harvester.sources import load_sources
from pykala.storage.db import Archive, open_archive
from pykala.storage.search import SearchHit, search_items
from pykala.storage.search.documents import DocumentHit, search_documents
from pykala.storage.views import ItemView, get_item

# Where the demo's pages say they are (.invalid: RFC 2606, never a real host).
DEMO_ORIGIN = "http://demo.pykala.invalid"


@dataclass(frozen=True)
class DemoResult:
    site_url: str
    archive_url: str  # "" when the archive was temporary and is gone
    report: RunReport
    query: str
    hits: list[SearchHit]
    item: ItemView | None  # the best hit, in full
    documents: list[DocumentHit] = field(default_factory=list)  # programme pages, slide decks
    origin: str = DEMO_ORIGIN  # the address the site's pages carry in the archive


class _Loopback(httpx.BaseTransport):
    """Sends requests for ``origin`` to ``listening`` (the fixture server's real address);
    the response keeps the address asked for (httpx sets it from the original request)."""

    def __init__(self, origin: str, listening: str) -> None:
        self._origin = origin
        self._listening = listening
        self._inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        if url.startswith(self._origin + "/"):
            request = httpx.Request(
                request.method,
                self._listening + url.removeprefix(self._origin),
                headers=request.headers,
                stream=request.stream,
                extensions=request.extensions,
            )
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


def run_demo(
    db_url: str | None,
    query: str,
    progress: Progress | None = None,
    after_harvest: Callable[[Archive], object] | None = None,
) -> DemoResult:
    """Serve the fixture site, harvest it into ``db_url`` (or a temporary SQLite file),
    call ``after_harvest`` (the CLI brings topics and links up to date), search it for
    ``query`` and return the best hit in full."""
    with tempfile.TemporaryDirectory(prefix="pykala-demo-") as tmp, serve_fixture_site() as site:
        listening, site.base_url = site.base_url, DEMO_ORIGIN  # pages name DEMO_ORIGIN
        sources_file = Path(tmp) / "sources.toml"
        # Every platform: Dynasty, CloudNC + OpenNC, Tweb, documents (web pages, a PDF).
        groups = ("dynasty", "platforms")
        sources_file.write_text(site.sources_toml(groups=groups), encoding="utf-8")
        url = db_url or f"sqlite:///{Path(tmp) / 'demo.db'}"
        with open_archive(url) as archive:
            # The site is ours and on loopback: no need to wait between requests.
            with PoliteClient(
                Politeness(min_interval=0), transport=_Loopback(DEMO_ORIGIN, listening)
            ) as client:
                report = harvest(
                    archive,
                    load_sources(sources_file),
                    client,
                    progress=progress,
                    scope=site.covers,
                    full=True,  # every page, so a second demo shows every item unchanged
                )
            if after_harvest is not None:
                after_harvest(archive)
            with archive.session() as session:
                hits = search_items(session, query, limit=5)
                item = get_item(session, hits[0].item_id) if hits else None
                documents = search_documents(session, query, limit=5)
            shown = archive.url if db_url else ""  # password masked: the demo prints it
        return DemoResult(listening, shown, report, query, hits, item, documents)
