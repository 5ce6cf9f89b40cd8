"""``pykala demo``: the whole flow offline, against the bundled fixture site on 127.0.0.1."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from pykala.harvester.fixturesite import serve_fixture_site
from pykala.harvester.http import PoliteClient, Politeness
from pykala.harvester.report import Progress, RunReport
from pykala.harvester.run import harvest
from pykala.harvester.sources import load_sources
from pykala.storage.db import open_archive
from pykala.storage.search import SearchHit, search_items
from pykala.storage.search.documents import DocumentHit, search_documents
from pykala.storage.views import ItemView, get_item


@dataclass(frozen=True)
class DemoResult:
    site_url: str
    archive_url: str  # "" when the archive was temporary and is gone
    report: RunReport
    query: str
    hits: list[SearchHit]
    item: ItemView | None  # the best hit, in full
    documents: list[DocumentHit] = field(default_factory=list)  # programme pages, slide decks


def run_demo(db_url: str | None, query: str, progress: Progress | None = None) -> DemoResult:
    """Serve the fixture site, harvest it into ``db_url`` (or a temporary SQLite file),
    search it for ``query`` and return the best hit in full."""
    with tempfile.TemporaryDirectory(prefix="pykala-demo-") as tmp, serve_fixture_site() as site:
        sources_file = Path(tmp) / "sources.toml"
        # Every platform: Dynasty, CloudNC + OpenNC, Tweb, documents (web pages, a PDF).
        groups = ("dynasty", "platforms")
        sources_file.write_text(site.sources_toml(groups=groups), encoding="utf-8")
        url = db_url or f"sqlite:///{Path(tmp) / 'demo.db'}"
        with open_archive(url) as archive:
            # The site is ours and on loopback: no need to wait between requests.
            with PoliteClient(Politeness(min_interval=0)) as client:
                report = harvest(
                    archive,
                    load_sources(sources_file),
                    client,
                    progress=progress,
                    scope=site.covers,
                )
            with archive.session() as session:
                hits = search_items(session, query, limit=5)
                item = get_item(session, hits[0].item_id) if hits else None
                documents = search_documents(session, query, limit=5)
            shown = archive.url if db_url else ""  # password masked: the demo prints it
        return DemoResult(site.base_url, shown, report, query, hits, item, documents)
