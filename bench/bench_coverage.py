"""Coverage benchmark for issue 16: how long `pykala coverage` takes to count a large archive.

Run (PostgreSQL at postgresql+psycopg://postgres@127.0.0.1:5432/test, or $PYKALA_TEST_PG):
  PYTHONPATH=. .venv/bin/python bench/bench_coverage.py --items 1000000 --backend both

A synthetic archive of N items is written by a bulk path (executemany on SQLite, COPY on
PostgreSQL; only the ``body`` and ``item`` rows coverage reads): the first 150 shipped
sources, 6 bodies each, every body meeting every one to four weeks back from today with 4
to 16 items a meeting and some quality flags; a few sources stop, meet less or shrink their
meetings, so the flags have something to find. Then, side by side on both databases, the
whole computation of `pykala coverage` (storage.coverage.collect: per body, month and
meeting date, field shares; storage.coverageflags.coverage_flags over them): the first
run after opening the archive, and the median of five more.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text

from pykala.harvester.sources import load_municipalities, load_sources
from pykala.storage import models
from pykala.storage.coverage import collect
from pykala.storage.coverageflags import coverage_flags
from pykala.storage.db import Archive, open_archive
from pykala.storage.sources import sync_sources

PG_URL = os.environ.get("PYKALA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
WORK = Path(os.environ.get("PYKALA_BENCH_DIR", "/tmp/pykala-bench"))
SOURCES = 150
BODIES = ("Kaupunginvaltuusto", "Kaupunginhallitus", "Sivistyslautakunta",
          "Tekninen lautakunta", "Ympäristölautakunta", "Tarkastuslautakunta")  # fmt: skip
TODAY = date.today()
SEEN = datetime(2024, 1, 1, tzinfo=UTC)
FLAGS = ("", "", "", "", "no_diary_number", "no_proposal", "no_decision", "no_title")
ITEM_COLS = (
    "id", "source_id", "external_id", "body_id", "meeting_date", "meeting_kind", "position",
    "paragraph", "title", "url", "language", "first_seen", "last_changed", "content_hash",
    "quality_flags",
)  # fmt: skip


def sources_and_municipalities() -> tuple[list[Any], dict[str, Any]]:
    munis = load_municipalities()
    sources = load_sources(municipalities=munis)[:SOURCES]

    class Ref:  # storage.sources' MunicipalityLike
        def __init__(self, m: Any) -> None:
            self.name_fi, self.name_sv = m.name_fi, m.name_sv
            self.region, self.wellbeing_county = m.region_fi, m.wellbeing_county_fi

    return sources, {code: Ref(m) for code, m in munis.items()}


def meetings(rng: random.Random, n_items: int) -> Iterator[tuple[int, date, int]]:
    """(body index, date, items) of one source, newest first, until about ``n_items``
    items: each body meets every 7–28 days back from today; of every 12 sources one has
    stopped 10 weeks ago, one meets a third as often and one has a quarter of the items
    in its last 4 months."""
    kind = rng.randrange(12)  # 0: stopped, 1: fewer meetings, 2: fewer items
    change = TODAY - timedelta(days=120)
    every = [rng.choice((7, 14, 14, 21, 28)) for _ in BODIES]
    day = [TODAY - timedelta(days=rng.randrange(28)) for _ in BODIES]
    made = 0
    while made < n_items:
        b = max(range(len(BODIES)), key=lambda i: day[i])
        when = day[b]
        day[b] = when - timedelta(days=every[b] * (3 if kind == 1 and when > change else 1))
        if kind == 0 and when > TODAY - timedelta(days=70):
            continue
        items = rng.randint(4, 16) // (4 if kind == 2 and when > change else 1) or 1
        made += items
        yield b, when, items


def rows(
    source_ids: Sequence[int], bodies: dict[int, list[int]], n: int
) -> Iterator[tuple[Any, ...]]:
    rng = random.Random(16)
    per_source = n // len(source_ids)
    next_id = 1
    for s, sid in enumerate(source_ids):
        want = per_source + (n - per_source * len(source_ids) if s == len(source_ids) - 1 else 0)
        made = 0
        for b, when, items in meetings(rng, want):
            body_id = bodies[sid][b]
            for pos in range(1, min(items, want - made) + 1):
                yield (
                    next_id, sid, f"{body_id}-{when.isoformat()}-{pos}", body_id, when,
                    "poytakirja", pos, str(pos), f"Asia {pos}", f"https://x.invalid/{next_id}",
                    "fi", SEEN, SEEN, f"h{next_id}", rng.choice(FLAGS),
                )  # fmt: skip
                next_id += 1
                made += 1
            if made >= want:
                break


def archive_url(backend: str, name: str, fresh: bool = True) -> str:
    if backend == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        path = WORK / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            if fresh:
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    if not fresh:
        return f"{PG_URL}?options=-csearch_path%3Dbench_{name}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS bench_{name} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA bench_{name}"))
    admin.dispose()
    return f"{PG_URL}?options=-csearch_path%3Dbench_{name}"


def prepare(archive: Archive) -> tuple[list[int], dict[int, list[int]]]:
    sources, munis = sources_and_municipalities()
    with archive.session() as session:
        sync_sources(session, sources, munis)
        session.flush()
        ids = list(session.scalars(select(models.Source.id).order_by(models.Source.id)))
        bodies: dict[int, list[int]] = {}
        for sid in ids:
            rows_ = [models.Body(source_id=sid, name=name) for name in BODIES]
            session.add_all(rows_)
            session.flush()
            bodies[sid] = [r.id for r in rows_]
    return ids, bodies


def bulk(archive: Archive, backend: str, n: int) -> float:
    ids, bodies = prepare(archive)
    started = time.perf_counter()
    raw: Any = archive.engine.raw_connection()
    batch: list[tuple[Any, ...]] = []
    if backend == "sqlite":
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous=OFF")
        sql = (
            f"INSERT INTO item ({', '.join(ITEM_COLS)}) VALUES ({', '.join('?' * len(ITEM_COLS))})"
        )
        for row in rows(ids, bodies, n):
            batch.append(row)
            if len(batch) >= 50_000:
                cur.executemany(sql, batch)
                batch.clear()
        cur.executemany(sql, batch)
        cur.execute("ANALYZE")
        raw.commit()
    else:
        conn = raw.driver_connection
        with (
            conn.cursor() as cur,
            cur.copy(f"COPY item ({', '.join(ITEM_COLS)}) FROM STDIN") as copy,
        ):
            for row in rows(ids, bodies, n):
                copy.write_row(row)
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT setval(pg_get_serial_sequence('item', 'id'), max(id)) FROM item")
            cur.execute("VACUUM ANALYZE")
    raw.close()
    return time.perf_counter() - started


def compute(archive: Archive) -> tuple[float, int, int, int]:
    """Seconds for `pykala coverage`'s computation; bodies, flags and items counted."""
    started = time.perf_counter()
    with archive.session() as session:
        data = collect(session)
        flags = coverage_flags(session, TODAY, data=data)
    bodies = data.bodies
    return time.perf_counter() - started, len(bodies), len(flags), sum(b.items for b in bodies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--reuse", action="store_true", help="Time the archive an earlier run built (no load)."
    )
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results: dict[str, tuple[float, float, float]] = {}
    for backend in backends:
        archive = open_archive(archive_url(backend, f"coverage_{args.items}", not args.reuse))
        try:
            load = 0.0 if args.reuse else bulk(archive, backend, args.items)
            archive.engine.dispose()  # the first run opens fresh connections
            first, n_bodies, n_flags, n_items = compute(archive)
            times = [compute(archive)[0] for _ in range(args.repeat)]
        finally:
            archive.close()
        results[backend] = (load, first, statistics.median(times))
        print(
            f"{backend}: {n_items:,} items, {n_bodies} bodies, {n_flags} flags; load "
            f"{load:.1f} s; coverage first {first:.2f} s, median of {args.repeat} "
            f"{statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f})",
            flush=True,
        )
    if len(results) == 2:
        ratio = results["postgresql"][2] / results["sqlite"][2]
        print(f"postgresql / sqlite (median): {ratio:.2f}")


if __name__ == "__main__":
    main()
