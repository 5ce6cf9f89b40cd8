"""Links benchmark: a full rebuild against the update a nightly harvest runs.

Run:
  PYTHONPATH=. .venv/bin/python bench/bench_links.py --items 5000 10000 20000 --changed 100

For each size N, a SQLite archive of N synthetic items (the title terms of one fixture
item with the body terms of another, as bench_search.py makes them; items spread over 40
sources of different municipalities) with their stored linking terms. Then, side by side:
rebuild_links (every item against every other), and update_links after a number of
items changed (each changed item takes another random title + body; a night's harvest
changes about as many items whatever the archive's size), timed as the
harvest's update step runs it, in one transaction; the update is checked to leave at most
k similar links per item.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta
from typing import Any

from bench_search import ITEM_COLS, WORK, fixture_items, item_tuple, sources_and_municipalities
from sqlalchemy import func, select, text

from pykala.analysis.finnish import get_analyzer
from pykala.linking.links import rebuild_links, update_links
from pykala.linking.similarity import DEFAULT_K, SIMILAR, document_terms
from pykala.linking.topics import analyse_item
from pykala.storage import models
from pykala.storage.db import Archive, open_archive
from pykala.storage.sources import sync_sources


def term_pool() -> tuple[list[str], list[str]]:
    """Linking terms of each fixture item's title, and of its sections."""
    analyzer = get_analyzer()
    pool = fixture_items()
    titles = [" ".join(document_terms(analyse_item(analyzer, p.title, []))) for p in pool]
    bodies = [
        " ".join(
            document_terms(analyse_item(analyzer, "", [(str(s.kind), s.text) for s in p.sections]))
        )
        for p in pool
    ]
    return titles, bodies


def build(n: int, titles: list[str], bodies: list[str], rng: random.Random) -> Archive:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"links_{n}.db"
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    archive = open_archive(f"sqlite:///{path}")
    sources, munis = sources_and_municipalities()
    with archive.session() as session:
        sync_sources(session, sources, munis)
        source_ids = [r[0] for r in session.execute(text("SELECT id FROM source"))]
    items, terms = [], []
    for item_id in range(1, n + 1):
        a, b = rng.randrange(len(titles)), rng.randrange(len(bodies))
        items.append(
            item_tuple(
                {
                    "id": item_id,
                    "source_id": rng.choice(source_ids),
                    "external_id": f"s{item_id}",
                    "title": f"t{a}",
                    "meeting_date": date(2015, 1, 1) + timedelta(days=rng.randrange(3650)),
                    "url": f"https://example.invalid/{item_id}",
                    "paragraph": str(rng.randrange(200)),
                }
            )
        )
        terms.append((item_id, "synthetic", f"{titles[a]} {titles[a]} {bodies[b]}"))
    with archive.engine.begin() as conn:
        raw: Any = conn.connection.driver_connection
        marks = ", ".join("?" for _ in ITEM_COLS)
        raw.executemany(f"INSERT INTO item ({', '.join(ITEM_COLS)}) VALUES ({marks})", items)
        raw.executemany(
            "INSERT INTO item_terms (item_id, content_hash, terms, analysed_at) "
            "VALUES (?, ?, ?, '2024-03-01')",
            terms,
        )
    return archive


def change(
    archive: Archive, count: int, titles: list[str], bodies: list[str], rng: random.Random
) -> list[int]:
    with archive.session() as session:
        n = session.scalar(select(func.count()).select_from(models.ItemTerms)) or 0
        changed = sorted(rng.sample(range(1, n + 1), min(n, count)))
        for item_id in changed:
            a, b = rng.randrange(len(titles)), rng.randrange(len(bodies))
            session.execute(
                text("UPDATE item_terms SET terms = :t WHERE item_id = :i"),
                {"t": f"{titles[a]} {titles[a]} {bodies[b]}", "i": item_id},
            )
    return changed


def most_links_per_item(archive: Archive) -> int:
    with archive.session() as session:
        counts = session.execute(
            select(func.count())
            .select_from(models.Link)
            .where(models.Link.kind == SIMILAR)
            .group_by(models.Link.from_item_id)
        ).scalars()
        return max(counts, default=0)


def timed(archive: Archive, job: Any) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    with archive.session() as session:
        report = job(session)
    return time.perf_counter() - wall, time.process_time() - cpu, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--items", type=int, nargs="+", default=[5000, 10000, 20000])
    parser.add_argument("--changed", type=int, default=100, help="items changed")
    args = parser.parse_args()
    titles, bodies = term_pool()
    print(
        "| items | changed | rebuild (wall / CPU) | update (wall / CPU) | rebuild/update (CPU) "
        "| links written by the update |\n| --- | --- | --- | --- | --- | --- |"
    )
    for n in args.items:
        rng = random.Random(n)
        archive = build(n, titles, bodies, rng)
        timed(archive, lambda s: rebuild_links(s))  # the links an update starts from
        changed = change(archive, args.changed, titles, bodies, rng)
        up_wall, up_cpu, report = timed(archive, lambda s, c=changed: update_links(s, c))
        assert most_links_per_item(archive) <= DEFAULT_K
        re_wall, re_cpu, _ = timed(archive, lambda s: rebuild_links(s))
        print(
            f"| {n:,} | {len(changed):,} | {re_wall:.1f} s / {re_cpu:.1f} s | "
            f"{up_wall:.2f} s / {up_cpu:.2f} s | {re_cpu / up_cpu:.0f}× | "
            f"{report.same_case + report.similar:,} ({report.relinked:,} items relinked) |",
            flush=True,
        )
        archive.close()
        for suffix in ("", "-wal", "-shm"):
            (WORK / f"links_{n}.db{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
