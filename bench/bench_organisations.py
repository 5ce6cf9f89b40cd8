"""What organisations cost (issue 16): storing items when a source has a sibling (the
identity check of storage.items._twin_id), and reading places in exports and filters.

    PYTHONPATH=. .venv/bin/python bench/bench_organisations.py [--n 3000]
        [--backend sqlite postgresql]

For each backend a fresh archive (a SQLite file in bench/out/, or a new schema on the local
PostgreSQL, dropped afterwards) gets every shipped source and organisation (322 sources,
308 municipalities, 21 counties) plus two test sources, and then, side by side in one run:

(a) N new items saved into a source that is its organisation's only one (no identity
    check), and N into a source whose organisation has another source (a check per item,
    none found) — ratio (b)/(a) is the check's cost on the insert path;
(c) N items a sibling already stored under other ids: each is found and skipped;
(d) the export of all items, and the part of it spent reading the places of every source
    (storage.places.source_places), and a --region filter resolved through the members.
Results: bench/RESULTS.md, "Organisations (issue 16)".
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from pykala.harvester.sources import load_municipalities, load_sources, parse_sources
from pykala.parsers.records import ItemRecord, MeetingKind, Section, SectionKind
from pykala.storage.db import Archive, open_archive
from pykala.storage.export import iter_export_rows
from pykala.storage.filters import ItemFilters, filter_clauses
from pykala.storage.items import UpsertCounts, save_item
from pykala.storage.places import source_places
from pykala.storage.sources import source_id_of, sync_sources

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
BATCH = 500

EXTRA = """
[[source]]
name = "alone"
platform = "dynasty"
base_url = "https://alone.oncloudos.com/cgi/DREQUEST.PHP"
organisation = "297"

[[source]]
name = "pshva-old"
platform = "tweb"
base_url = "https://pshva.tweb.fi/ktwebscr/"
organisation = "13"

[[source]]
name = "pshva-new"
platform = "cloudnc"
base_url = "https://pshva.cloudnc.fi"
organisation = "13"
"""


def record(n: int, prefix: str) -> ItemRecord:
    day = date(2020, 1, 1) + timedelta(days=n // 20)
    return ItemRecord(
        external_id=f"{prefix}{n}",
        meeting_external_id=f"{prefix}m{n // 20}",
        url=f"https://example.fi/{prefix}/{n}",
        title=f"Asia {n}: perhekeskuksen toimintamalli",
        body_name="Aluehallitus",
        meeting_date=day,
        meeting_kind=MeetingKind.POYTAKIRJA,
        position=n % 20 + 1,
        paragraph=str(n % 20 + 1),
        diary_number=None,
        diary_number_normalised=None,
        pdf_url=None,
        sections=(Section(SectionKind.PAATOS, "Päätös", f"Hyväksyttiin asia {n}."),),
        attachments=(),
    )


def save_all(
    archive: Archive, source: str, records: list[ItemRecord]
) -> tuple[float, UpsertCounts]:
    counts = UpsertCounts()
    start = time.perf_counter()
    for i in range(0, len(records), BATCH):
        with archive.session() as session:
            source_id = source_id_of(session, source)
            for rec in records[i : i + BATCH]:
                save_item(session, source_id, source, rec, None, T0, counts)
    return time.perf_counter() - start, counts


@contextmanager
def archive_for(backend: str) -> Iterator[Archive]:
    if backend == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / "organisations.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        with open_archive(f"sqlite:///{path}") as archive:
            yield archive
        return
    schema = f"b_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        with open_archive(f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}") as archive:
            yield archive
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def run(backend: str, n: int) -> None:
    munis = load_municipalities()
    sources = load_sources() + parse_sources(EXTRA, "bench", munis)
    with archive_for(backend) as archive:
        start = time.perf_counter()
        with archive.session() as session:
            sync_sources(session, sources, munis)
        sync_s = time.perf_counter() - start
        alone_s, _ = save_all(archive, "alone", [record(i, "a") for i in range(n)])
        sibling_s, counts_b = save_all(archive, "pshva-old", [record(i, "o") for i in range(n)])
        # The same decisions under the new platform's ids: all found, none stored.
        twin_s, counts_c = save_all(archive, "pshva-new", [record(i, "n") for i in range(n)])
        assert counts_b.inserted == n and counts_c.inserted == 0 and counts_c.unchanged == n
        with archive.session() as session:
            start = time.perf_counter()
            rows = sum(1 for _ in iter_export_rows(session))
            export_s = time.perf_counter() - start
            start = time.perf_counter()
            for _ in range(10):
                source_places(session)
            places_s = (time.perf_counter() - start) / 10
            start = time.perf_counter()
            for _ in range(10):
                filter_clauses(session, ItemFilters(region="Pohjois-Savo"))
            region_s = (time.perf_counter() - start) / 10
        print(
            f"{backend}: sync {len(sources)} sources {sync_s:.2f} s | "
            f"{n} inserts: alone {alone_s:.2f} s, with a sibling {sibling_s:.2f} s "
            f"(ratio {sibling_s / alone_s:.2f}) | {n} twins skipped {twin_s:.2f} s "
            f"({twin_s / alone_s:.2f} of alone) | export {rows} rows {export_s:.2f} s, "
            f"places {places_s * 1000:.1f} ms ({places_s / export_s:.1%}), "
            f"--region resolved {region_s * 1000:.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--backend", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    for backend in args.backend:
        run(backend, args.n)


if __name__ == "__main__":
    main()
