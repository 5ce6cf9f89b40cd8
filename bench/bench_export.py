"""Export benchmark for issue 14: rows/s and peak memory of `pykala export` to CSV and to
Parquet, beside the databases' own CSV writers over the same columns, in one run.

Run (PostgreSQL at postgresql+psycopg://postgres@127.0.0.1:5432/test, or $PYKALA_TEST_PG):
  PYTHONPATH=. .venv/bin/python bench/bench_export.py --items 100000 300000 --backend both
With --before DIR (DIR/pykala a link to an earlier checkout) that code is timed too, in the
same run, and its CSV must be byte-identical to this checkout's.

Archive: N synthetic items (title of one parsed fixture item, sections of another, 10
bodies per source, dates over ten years, 40 sources), items and sections only, written
by the fastest path there is: executemany in one transaction per 20,000 items on SQLite,
COPY on PostgreSQL, and no search index (an export without a query never reads it; the
search benchmark's builder spends most of its time there). Reused between runs unless
--rebuild.

Each export is its own process (the real CLI, `pykala export --db URL -o FILE`), its peak
resident memory read from os.wait4's rusage. Beside it, on the same archive: `sqlite3
-csv` and `psql -c "COPY (…) TO STDOUT CSV HEADER"` of the same 28 columns (section
texts aggregated per item by the database, same order), to a file.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench_search import (
    PG_URL,
    T0,
    fixture_items,
    sources_and_municipalities,
)
from bench_search import (
    WORK as BENCH_DIR,
)
from sqlalchemy import create_engine, text

from pykala.parsers.records import ItemRecord, MeetingKind
from pykala.storage.db import open_archive
from pykala.storage.sources import sync_sources

ROOT = Path(__file__).resolve().parents[1]
PYKALA = ROOT / ".venv" / "bin" / "pykala"
BATCH = 20_000
WORK = Path(BENCH_DIR)


def schema(n: int) -> str:
    return f"bench_export_{n}"


def url(backend: str, n: int) -> str:
    if backend == "sqlite":
        return f"sqlite:///{WORK / f'export_{n}.db'}"
    return f"{PG_URL}?options=-csearch_path%3D{schema(n)}"


def exists(backend: str, n: int) -> bool:
    if backend == "sqlite":
        return (WORK / f"export_{n}.db").exists()
    engine = create_engine(PG_URL)
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT 1 FROM information_schema.tables WHERE table_schema = :s"),
            {"s": schema(n)},
        ).first()
    engine.dispose()
    return found is not None


def fresh(backend: str, n: int) -> str:
    if backend == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{WORK / f'export_{n}.db'}{suffix}").unlink(missing_ok=True)
    else:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema(n)} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema(n)}"))
        engine.dispose()
    return url(backend, n)


ITEM_COLS = (
    "id",
    "source_id",
    "external_id",
    "body_id",
    "meeting_date",
    "meeting_kind",
    "paragraph",
    "diary_number",
    "title",
    "url",
    "language",
    "first_seen",
    "last_changed",
    "content_hash",
    "quality_flags",
)
SECTION_COLS = ("item_id", "ordinal", "kind", "heading", "text", "presenter")


def rows(
    pool: Sequence[ItemRecord], n: int, first: int, bodies: dict[int, list[int]], rng: Any
) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    source_ids = sorted(bodies)
    for item_id in range(first, first + n):
        a, b = pool[rng.randrange(len(pool))], pool[rng.randrange(len(pool))]
        source_id = rng.choice(source_ids)
        item = (
            item_id,
            source_id,
            f"s{item_id}",
            rng.choice(bodies[source_id]),
            date(2015, 1, 1) + timedelta(days=rng.randrange(3650)),
            str(MeetingKind.POYTAKIRJA),
            str(rng.randrange(200)),
            f"{rng.randrange(9999)}/00.01.02/{2015 + rng.randrange(10)}",
            a.title,
            f"https://example.invalid/{item_id}",
            "fi",
            T0,
            T0,
            "synthetic",
            "",
        )
        sections = [
            (item_id, k, str(s.kind), s.heading, s.text, s.presenter)
            for k, s in enumerate(b.sections, 1)
        ]
        yield item, sections


def build(backend: str, n: int, pool: Sequence[ItemRecord]) -> float:
    """Write the archive of ``n`` items; returns the seconds it took."""
    started = time.perf_counter()
    archive = open_archive(fresh(backend, n))
    sources, munis = sources_and_municipalities()
    with archive.session() as session:
        sync_sources(session, sources, munis)
        source_ids = [r[0] for r in session.execute(text("SELECT id FROM source"))]
        for source_id in source_ids:
            for k in range(10):
                session.execute(
                    text("INSERT INTO body (source_id, name) VALUES (:s, :n)"),
                    {"s": source_id, "n": f"Lautakunta {k}"},
                )
        bodies: dict[int, list[int]] = {}
        for body_id, source_id in session.execute(text("SELECT id, source_id FROM body")):
            bodies.setdefault(source_id, []).append(body_id)
    rng = random.Random(14)
    raw: Any = archive.engine.raw_connection()
    if backend == "sqlite":
        cur = raw.cursor()
        cur.execute("PRAGMA synchronous=OFF")
        marks = ", ".join("?" for _ in ITEM_COLS)
        for start in range(1, n + 1, BATCH):
            items, sections = [], []
            for item, secs in rows(pool, min(BATCH, n + 1 - start), start, bodies, rng):
                items.append(item)
                sections.extend(secs)
            cur.executemany(f"INSERT INTO item ({', '.join(ITEM_COLS)}) VALUES ({marks})", items)
            cur.executemany(
                f"INSERT INTO section ({', '.join(SECTION_COLS)}) VALUES (?,?,?,?,?,?)", sections
            )
            raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    else:
        conn = raw.driver_connection
        for start in range(1, n + 1, BATCH):
            with conn.cursor() as cur:
                batch = list(rows(pool, min(BATCH, n + 1 - start), start, bodies, rng))
                with cur.copy(f"COPY item ({', '.join(ITEM_COLS)}) FROM STDIN") as copy:
                    for item, _ in batch:
                        copy.write_row(item)
                with cur.copy(f"COPY section ({', '.join(SECTION_COLS)}) FROM STDIN") as copy:
                    for _, secs in batch:
                        for sec in secs:
                            copy.write_row(sec)
            conn.commit()
        with conn.cursor() as cur:
            cur.execute("SELECT setval(pg_get_serial_sequence('item', 'id'), max(id)) FROM item")
        conn.commit()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
    raw.close()
    archive.close()
    return time.perf_counter() - started


def native_sql(backend: str) -> str:
    """The 28 export columns in export order, section texts aggregated by the database
    (region and county of the organisation's own municipality: the synthetic sources are
    all municipalities)."""
    sqlite = backend == "sqlite"

    def agg(kind: str, column: str = "text", sep: str = "\n\n") -> str:
        if sqlite:
            inner = (
                f"SELECT {column} FROM section WHERE item_id = i.id AND kind = '{kind}' "
                "ORDER BY ordinal"
            )
            joined = "char(10) || char(10)" if sep == "\n\n" else f"'{sep}'"
            return f"(SELECT group_concat({column}, {joined}) FROM ({inner}))"
        literal = "E'\\n\\n'" if sep == "\n\n" else f"'{sep}'"
        return (
            f"(SELECT string_agg({column}, {literal} ORDER BY ordinal) FROM section "
            f"WHERE item_id = i.id AND kind = '{kind}')"
        )

    day = "coalesce(i.meeting_date, mt.date)"
    presenter = (
        "coalesce((SELECT presenter FROM section WHERE item_id = i.id AND presenter IS NOT NULL "
        f"ORDER BY ordinal LIMIT 1), {agg('esittelija', sep=' ')})"
    )
    return (
        f"SELECT s.name || ':' || i.external_id AS item_id, s.name AS source, "
        "s.municipality_code, m.name_fi AS municipality, m.region, m.wellbeing_county, "
        f"b.name AS body, {day} AS meeting_date, coalesce(i.meeting_kind, mt.kind) AS "
        "meeting_kind, i.paragraph, i.diary_number, i.title, "
        f"{presenter} AS presenter, {agg('paatosehdotus')} AS paatosehdotus, "
        f"{agg('paatos')} AS paatos, i.url AS item_url, i.pdf_url, i.first_seen, "
        "i.last_changed, i.quality_flags, o.code AS organisation_code, o.name_fi AS "
        "organisation, o.type AS organisation_type, i.outcome, CASE WHEN i.voted THEN 'true' "
        "ELSE 'false' END AS voted, i.vote_counts, i.disqualified, i.dissent "
        "FROM item i JOIN source s ON s.id = i.source_id "
        "LEFT JOIN organisation o ON o.id = s.organisation_id "
        "LEFT JOIN municipality m ON m.code = s.municipality_code "
        "LEFT JOIN meeting mt ON mt.id = i.meeting_id LEFT JOIN body b ON b.id = i.body_id "
        f"ORDER BY {day} NULLS FIRST, s.name, i.id"
    )


def timed(
    argv: list[str], stdout: Path | None = None, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """(seconds, peak resident MB) of one process. GNU time measures the peak: a child
    forked from this (large) Python process would count the parent's pages until exec."""
    stats = WORK / "time.out"
    started = time.perf_counter()
    with open(stdout or os.devnull, "wb") as out:
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", "-o", str(stats), *argv],
            stdout=out,
            stderr=subprocess.PIPE,
            env=env,
        )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{argv[0]} failed ({done.returncode}): {done.stderr.decode()[-500:]}")
    return seconds, int(stats.read_text().split()[-1]) / 1024  # KiB


def native(backend: str, n: int, out: Path) -> list[str]:
    sql = native_sql(backend)
    if backend == "sqlite":
        return ["sqlite3", "-csv", "-header", str(WORK / f"export_{n}.db"), sql]
    conninfo = f"host=127.0.0.1 user=postgres dbname=test options=-csearch_path={schema(n)}"
    return ["psql", conninfo, "-X", "-q", "-c", f"COPY ({sql}) TO STDOUT CSV HEADER"]


def pykalas(before: Path | None) -> list[tuple[str, list[str], dict[str, str] | None]]:
    """(label, command, environment) of each pykala timed: this checkout's, and with
    --before DIR the code of the `pykala` package in DIR, run by the same interpreter."""
    runs: list[tuple[str, list[str], dict[str, str] | None]] = [("", [str(PYKALA)], None)]
    if before is not None:
        python = str(PYKALA.with_name("python"))
        code = "from pykala.cli import app; app()"
        env = {**os.environ, "PYTHONPATH": str(before)}
        runs.insert(0, (" (before)", [python, "-c", code], env))
    return runs


def measure(
    backend: str, n: int, before: Path | None = None
) -> list[tuple[str, float, float, int]]:
    """(what, seconds, peak MB, output bytes) for pykala CSV, pykala Parquet (before and
    now with --before), native CSV. With --before, the CSV files must be byte-identical."""
    out_dir = WORK / f"export_out_{backend}_{n}"
    out_dir.mkdir(parents=True, exist_ok=True)
    results = []
    csvs = []
    for label, command, env in pykalas(before):
        for what, name in (
            ("pykala export CSV", "items.csv"),
            ("pykala export Parquet", "items.parquet"),
        ):
            target = out_dir / (name if not label else "before_" + name)
            argv = [*command, "export", "--db", url(backend, n), "-o", str(target)]
            seconds, peak = timed(argv, env=env)
            results.append((what + label, seconds, peak, target.stat().st_size))
            if name.endswith(".csv"):
                csvs.append(target)
    if len(csvs) == 2 and not filecmp.cmp(csvs[0], csvs[1], shallow=False):
        sys.exit(f"{backend}: the CSV before and now differ")
    target = out_dir / "native.csv"
    seconds, peak = timed(native(backend, n, target), stdout=target)
    label = "sqlite3 -csv" if backend == "sqlite" else "psql COPY … TO STDOUT CSV"
    results.append((label, seconds, peak, target.stat().st_size))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, nargs="+", default=[100_000])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true", help="write the archives, no timing")
    parser.add_argument(
        "--before",
        type=Path,
        help="a directory holding an earlier checkout as `pykala` (a link): timed too, "
        "side by side, and its CSV compared byte for byte",
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    pool: list[ItemRecord] | None = None
    for n in args.items:
        for backend in backends:
            if args.rebuild or not exists(backend, n):
                pool = pool or fixture_items()
                print(f"{backend}: {n:,} items written in {build(backend, n, pool):.0f} s")
            else:  # migrated to this code's schema now, not inside the first timed export
                open_archive(url(backend, n)).close()
    if args.build_only:
        return
    print(
        "\n| backend | items | export | seconds | rows/s | peak RSS MB | output MB "
        "| speed vs native |\n| --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    for n in args.items:
        for backend in backends:
            results = measure(backend, n, args.before)
            base = results[-1][1]
            for what, seconds, peak, size in results:
                print(
                    f"| {backend} | {n:,} | {what} | {seconds:.1f} | {n / seconds:,.0f} "
                    f"| {peak:.0f} | {size / 1e6:.0f} | {base / seconds:.2f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
