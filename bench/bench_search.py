"""Search benchmarks for issue 3: quality, latency at scale, indexing rate.

Run (PostgreSQL at postgresql+psycopg://postgres@127.0.0.1:5432/test, or $PYKALA_TEST_PG):
  PYTHONPATH=. .venv/bin/python bench/bench_search.py quality
  PYTHONPATH=. .venv/bin/python bench/bench_search.py latency --items 100000 --backend both
  PYTHONPATH=. .venv/bin/python bench/bench_search.py indexing --items 10000

quality: the labelled query/word-form pairs of tests/data/finnish_forms.tsv. Each distinct
  word form becomes one item (its title) in a fresh archive; the shipped search_items is
  run for each query on SQLite and PostgreSQL; beside it PostgreSQL's `finnish`
  configuration (to_tsvector @@ plainto_tsquery, and with the query stem as a prefix) and
  plain FTS5 prefix search (the issue-2 search: unicode61, `"word"*`).
latency: a synthetic archive of N items made from the parsed fixture items (the title of
  one fixture item with the sections of another: 127 × 138 combinations), written by a
  bulk path (analysis once per fixture title/section, then executemany on SQLite, COPY on
  PostgreSQL), then p50/p95 of search_items (limit 20, snippets included) for one- and
  two-word queries, and the same queries as a LIKE scan over section text.
indexing: parsed items (ItemRecords from the fixtures, fresh external ids) through the real
  path, storage.parses.save_parse (analysis + upsert + index), one page of 50 items per
  transaction; rate per 1,000-item slice into an empty archive, and into the latency
  archive when it exists (does the rate stay flat as the archive grows?).
rekey: migration 0009 (SQLite index rowids -> rank keys) on a copy of the latency archive
  of N items: migrated down to 0008's layout (rowid = item id) first, then timed upward.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from pykala.analysis.finnish import get_analyzer
from pykala.harvester.sources import load_municipalities, load_sources
from pykala.parsers.records import (
    ItemRecord,
    MeetingKind,
    PageKind,
    ParseResult,
    Section,
    SectionKind,
)
from pykala.storage.db import Archive, open_archive
from pykala.storage.index import SECTION_SLOTS, item_rows, rank_key, section_code
from pykala.storage.pages import FetchedPage, save_page
from pykala.storage.parses import save_parse
from pykala.storage.search import search_items
from pykala.storage.sources import sync_sources

ROOT = Path(__file__).resolve().parents[1]
FORMS = ROOT / "tests" / "data" / "finnish_forms.tsv"
PG_URL = os.environ.get("PYKALA_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
WORK = Path(os.environ.get("PYKALA_BENCH_DIR", "/tmp/pykala-bench"))
T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)


# --- fixtures -------------------------------------------------------------------------


def fixture_items() -> list[ItemRecord]:
    """Every parsed item of the golden fixtures that has text."""
    items: list[ItemRecord] = []
    for path in sorted(ROOT.glob("fixtures/**/*.expected.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        result = data.get("result") if isinstance(data, dict) else None
        for raw in (result or {}).get("items", []):
            sections = tuple(
                Section(SectionKind(s["kind"]), s["heading"], s["text"], s.get("presenter"))
                for s in raw.get("sections", [])
            )
            if sections and raw["title"].strip():
                items.append(
                    ItemRecord(
                        external_id=raw["external_id"],
                        meeting_external_id=None,
                        url=raw["url"],
                        title=raw["title"],
                        body_name=raw.get("body_name"),
                        meeting_date=date.fromisoformat(raw["meeting_date"])
                        if raw.get("meeting_date")
                        else None,
                        paragraph=raw.get("paragraph"),
                        sections=sections,
                    )
                )
    return items


def sources_and_municipalities() -> tuple[list[Any], dict[str, Any]]:
    munis = load_municipalities()
    sources = load_sources(municipalities=munis)[:40]

    class Ref:  # storage.sources' MunicipalityLike
        def __init__(self, m: Any) -> None:
            self.name_fi, self.name_sv = m.name_fi, m.name_sv
            self.region, self.wellbeing_county = m.region_fi, m.wellbeing_county_fi

    return sources, {code: Ref(m) for code, m in munis.items()}


def pg_schema_url(schema: str) -> str:
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    return f"{PG_URL}?options=-csearch_path%3D{schema}"


def archive_url(backend: str, name: str, fresh: bool = True) -> str:
    if backend == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        path = WORK / f"{name}.db"
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    return (
        pg_schema_url(f"bench_{name}")
        if fresh
        else (f"{PG_URL}?options=-csearch_path%3Dbench_{name}")
    )


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# --- quality --------------------------------------------------------------------------


def labelled_pairs() -> list[tuple[str, str, bool]]:
    rows = []
    with FORMS.open(encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            query, form, should, *_ = line.rstrip("\n").split("\t")
            rows.append((query, form, should == "1"))
    return rows


def score(name: str, found: Callable[[str, str], bool], pairs: list[tuple[str, str, bool]]) -> str:
    tp = sum(1 for q, f, s in pairs if s and found(q, f))
    fp = sum(1 for q, f, s in pairs if not s and found(q, f))
    positives = sum(1 for *_, s in pairs if s)
    recall = tp / positives
    precision = tp / (tp + fp) if tp + fp else 1.0
    return f"| {name} | {recall:.2f} ({tp}/{positives}) | {precision:.2f} ({fp} false) |"


def shipped(backend: str, pairs: list[tuple[str, str, bool]]) -> Callable[[str, str], bool]:
    forms = sorted({f for _q, f, _s in pairs})
    archive = open_archive(archive_url(backend, "quality"))
    sources, munis = sources_and_municipalities()
    with archive.session() as session:
        sync_sources(session, sources[:1], munis)
    base = sources[0]
    records = [
        ItemRecord(
            external_id=f"q{n}",
            meeting_external_id=None,
            url=f"{base.base_url}?q={n}",
            title=form,
            body_name=None,
            meeting_date=None,
            meeting_kind=None,
            position=None,
            paragraph=None,
            diary_number=None,
            diary_number_normalised=None,
            pdf_url=None,
            sections=(Section(SectionKind.PAATOS, "Päätös", "Hyväksyttiin."),),
        )
        for n, form in enumerate(forms)
    ]
    store(archive, base.name, records, base.base_url)
    by_id = {f"{base.name}:q{n}": form for n, form in enumerate(forms)}
    hits: dict[str, set[str]] = {}
    with archive.session() as session:
        for query in {q for q, _f, _s in pairs}:
            hits[query] = {by_id[h.item_id] for h in search_items(session, query, limit=500)}
    archive.close()
    return lambda q, f: f in hits[q]


def pg_finnish(prefix: bool) -> Callable[[str, str], bool]:
    engine = create_engine(PG_URL)

    def found(query: str, form: str) -> bool:
        sql = (
            "SELECT to_tsvector('finnish', :f) @@ to_tsquery('finnish', "
            "(SELECT string_agg(lexeme || ':*', ' & ') FROM unnest(to_tsvector('finnish', :q))))"
            if prefix
            else "SELECT to_tsvector('finnish', :f) @@ plainto_tsquery('finnish', :q)"
        )
        with engine.connect() as conn:
            return bool(conn.execute(text(sql), {"f": form, "q": query}).scalar())

    return found


def fts5_prefix() -> Callable[[str, str], bool]:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 0')")

    def found(query: str, form: str) -> bool:
        conn.execute("DELETE FROM t")
        conn.execute("INSERT INTO t (x) VALUES (?)", (form,))
        words = [w for w in query.lower().replace("-", " ").split() if w]
        match = " ".join(f'"{w}"*' for w in words)
        row = conn.execute("SELECT count(*) FROM t WHERE t MATCH ?", (match,)).fetchone()
        return bool(row[0])

    return found


def run_quality(_args: argparse.Namespace) -> None:
    pairs = labelled_pairs()
    forms = len({f for _q, f, _s in pairs})
    print(f"{len(pairs)} labelled pairs, {sum(s for *_, s in pairs)} should match, {forms} forms")
    print("| search | recall | precision |\n| --- | --- | --- |")
    print(score("pykala search_items, SQLite", shipped("sqlite", pairs), pairs))
    print(score("pykala search_items, PostgreSQL", shipped("postgresql", pairs), pairs))
    print(score("PostgreSQL `finnish` (plainto_tsquery)", pg_finnish(False), pairs))
    print(score("PostgreSQL `finnish`, stems as prefixes", pg_finnish(True), pairs))
    print(score("SQLite FTS5 prefix (issue-2 search)", fts5_prefix(), pairs))


# --- writing items --------------------------------------------------------------------


def store(archive: Archive, source: str, records: Sequence[ItemRecord], base: str) -> None:
    """Through the real path: a page per 50 records, save_page + save_parse."""
    for start in range(0, len(records), 50):
        chunk = records[start : start + 50]
        page = FetchedPage(
            source_name=source,
            url=f"{base}?page={chunk[0].external_id}",
            final_url=f"{base}?page={chunk[0].external_id}",
            status=200,
            headers={"Content-Type": "text/html"},
            fetched_at=T0,
            body=f"{source}{chunk[0].external_id}".encode(),
            page_kind=PageKind.ITEM,
        )
        with archive.session() as session:
            page_id = save_page(session, page)
            save_parse(
                session,
                source_name=source,
                page_id=page_id,
                result=ParseResult(page_kind=PageKind.ITEM, items=tuple(chunk)),
                seen_at=T0,
            )


class Synth:
    """Synthetic items: title of fixture item a, sections of fixture item b."""

    def __init__(self, pool: list[ItemRecord], seed: int = 3) -> None:
        analyzer = get_analyzer()
        self.pool = pool
        self.rng = random.Random(seed)
        started = time.perf_counter()
        self.title_rows = [item_rows(analyzer, p.title, [])[0] for p in pool]
        self.body_rows = [
            item_rows(analyzer, "", [(str(s.kind), s.text) for s in p.sections]) for p in pool
        ]
        self.analysis_s = time.perf_counter() - started

    def rows(self, n: int, first_id: int, source_ids: Sequence[int]) -> Iterator[Any]:
        rng = self.rng
        for item_id in range(first_id, first_id + n):
            a, b = rng.randrange(len(self.pool)), rng.randrange(len(self.pool))
            title_row = self.title_rows[a]
            body_row, section_rows = self.body_rows[b]
            item = {
                "id": item_id,
                "source_id": rng.choice(source_ids),
                "external_id": f"s{item_id}",
                "title": self.pool[a].title,
                "meeting_date": date(2015, 1, 1) + timedelta(days=rng.randrange(3650)),
                "url": f"https://example.invalid/{item_id}",
                "paragraph": str(rng.randrange(200)),
            }
            fts = {
                "title_lemmas": title_row["title_lemmas"],
                "title_parts": title_row["title_parts"],
                "body_lemmas": body_row["body_lemmas"],
                "body_parts": body_row["body_parts"],
            }
            yield item, self.pool[b].sections, fts, section_rows


ITEM_COLS = (
    "id",
    "source_id",
    "external_id",
    "meeting_date",
    "meeting_kind",
    "paragraph",
    "title",
    "url",
    "language",
    "first_seen",
    "last_changed",
    "content_hash",
)


def item_tuple(item: dict[str, Any]) -> tuple[Any, ...]:
    return (
        item["id"],
        item["source_id"],
        item["external_id"],
        item["meeting_date"],
        str(MeetingKind.POYTAKIRJA),
        item["paragraph"],
        item["title"],
        item["url"],
        "fi",
        T0,
        T0,
        "synthetic",
    )


def bulk_sqlite(archive: Archive, synth: Synth, n: int, source_ids: Sequence[int]) -> None:
    raw: Any = archive.engine.raw_connection()
    cur = raw.cursor()
    cur.execute("PRAGMA synchronous=OFF")
    marks = ", ".join("?" for _ in ITEM_COLS)
    batch = 20_000
    for start in range(1, n + 1, batch):
        items: list[tuple[Any, ...]] = []
        sections: list[tuple[Any, ...]] = []
        fts: list[tuple[Any, ...]] = []
        fts_sections: list[tuple[Any, ...]] = []
        for item, secs, fts_row, sec_rows in synth.rows(
            min(batch, n + 1 - start), start, source_ids
        ):
            items.append(item_tuple(item))
            sections.extend(
                (item["id"], k, str(s.kind), s.heading, s.text) for k, s in enumerate(secs, 1)
            )
            key = rank_key(item["id"], item["meeting_date"])  # as storage.index keys it
            fts.append((key, *fts_row.values()))
            fts_sections.extend(
                (key * SECTION_SLOTS + section_code(kind), r["lemmas"], r["parts"])
                for kind, r in sec_rows.items()
            )
        cur.executemany(f"INSERT INTO item ({', '.join(ITEM_COLS)}) VALUES ({marks})", items)
        cur.executemany(
            "INSERT INTO section (item_id, ordinal, kind, heading, text) VALUES (?,?,?,?,?)",
            sections,
        )
        # In rowid order: FTS5 flushes its pending terms whenever a rowid goes down.
        fts.sort()
        cur.executemany(
            "INSERT INTO item_fts (rowid, title_lemmas, title_parts, body_lemmas, body_parts) "
            "VALUES (?,?,?,?,?)",
            fts,
        )
        cur.executemany(
            "INSERT INTO item_fts_section (rowid, lemmas, parts) VALUES (?,?,?)",
            sorted(fts_sections),
        )
        cur.executemany(
            "INSERT INTO item_fts_title (rowid, title_lemmas, title_parts) VALUES (?,?,?)",
            [row[:3] for row in fts],
        )
        raw.commit()
    cur.execute("INSERT INTO item_fts(item_fts) VALUES ('optimize')")
    cur.execute("INSERT INTO item_fts_section(item_fts_section) VALUES ('optimize')")
    cur.execute("INSERT INTO item_fts_title(item_fts_title) VALUES ('optimize')")
    cur.execute("ANALYZE")
    raw.commit()
    raw.close()


def bulk_pg(archive: Archive, synth: Synth, n: int, source_ids: Sequence[int]) -> None:
    raw: Any = archive.engine.raw_connection()
    conn = raw.driver_connection
    with conn.cursor() as cur:
        cur.execute("DROP INDEX ix_item_search_document")
        cur.execute("DROP INDEX ix_item_search_title_document")
        cur.execute("DROP INDEX ix_item_search_section_document")
    batch = 50_000
    for start in range(1, n + 1, batch):
        with conn.cursor() as cur:
            rows = list(synth.rows(min(batch, n + 1 - start), start, source_ids))
            with cur.copy(f"COPY item ({', '.join(ITEM_COLS)}) FROM STDIN") as copy:
                for item, *_ in rows:
                    copy.write_row(item_tuple(item))
            with cur.copy("COPY section (item_id, ordinal, kind, heading, text) FROM STDIN") as cp:
                for item, secs, *_ in rows:
                    for k, s in enumerate(secs, 1):
                        cp.write_row((item["id"], k, str(s.kind), s.heading, s.text))
            with cur.copy(
                "COPY item_search (item_id, title_lemmas, title_parts, body_lemmas, body_parts) "
                "FROM STDIN"
            ) as copy:
                for item, _secs, fts_row, _ in rows:
                    copy.write_row((item["id"], *fts_row.values()))
            with cur.copy(
                "COPY item_search_section (item_id, kind, lemmas, parts) FROM STDIN"
            ) as copy:
                for item, _secs, _fts, sec_rows in rows:
                    for kind, r in sec_rows.items():
                        copy.write_row((item["id"], kind, r["lemmas"], r["parts"]))
        conn.commit()
    with conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        cur.execute("CREATE INDEX ix_item_search_document ON item_search USING gin (document)")
        cur.execute(
            "CREATE INDEX ix_item_search_title_document ON item_search USING gin (title_document)"
        )
        cur.execute(
            "CREATE INDEX ix_item_search_section_document ON item_search_section "
            "USING gin (document)"
        )
        cur.execute("SELECT setval(pg_get_serial_sequence('item', 'id'), max(id)) FROM item")
    conn.commit()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    raw.close()


# --- latency --------------------------------------------------------------------------


def queries(pool: list[ItemRecord], rng: random.Random) -> tuple[list[str], list[str]]:
    """One-word queries (words of fixture titles and texts) and two-word queries (two words
    of one fixture section, so that both occur together somewhere)."""
    analyzer = get_analyzer()
    words_by_section: list[list[str]] = []
    for p in pool:
        for s in p.sections:
            ws = [
                t
                for t, a in analyzer.iter_token_analyses(s.text)
                if len(t) >= 5 and a.known and not t[0].isdigit()
            ]
            if len(ws) >= 2:
                words_by_section.append(ws)
    one = [rng.choice(rng.choice(words_by_section)) for _ in range(40)]
    two = []
    for _ in range(40):
        ws = rng.choice(words_by_section)
        two.append(" ".join(rng.sample(ws, 2)))
    return one, two


def time_queries(archive: Archive, qs: Sequence[str]) -> list[float]:
    times = []
    with archive.session() as session:
        search_items(session, qs[0], limit=20)  # warm the connection and analyser
        for q in qs:
            started = time.perf_counter()
            search_items(session, q, limit=20)
            times.append((time.perf_counter() - started) * 1000)
    return times


def time_like(archive: Archive, qs: Sequence[str], backend: str) -> list[float]:
    op = "LIKE" if backend == "sqlite" else "ILIKE"  # SQLite's LIKE ignores (ASCII) case
    times = []
    with archive.engine.connect() as conn:
        for q in qs:
            words = q.lower().split()
            cond = " AND ".join(f"text {op} :w{i}" for i in range(len(words)))
            params = {f"w{i}": f"%{w}%" for i, w in enumerate(words)}
            started = time.perf_counter()
            conn.execute(
                text(f"SELECT count(DISTINCT item_id) FROM section WHERE {cond}"), params
            ).scalar()
            times.append((time.perf_counter() - started) * 1000)
    return times


def build(backend: str, n: int, pool: list[ItemRecord]) -> Archive:
    url = archive_url(backend, f"items_{n}")
    archive = open_archive(url)
    sources, munis = sources_and_municipalities()
    with archive.session() as session:
        sync_sources(session, sources, munis)
        source_ids = [r[0] for r in session.execute(text("SELECT id FROM source"))]
    synth = Synth(pool)
    started = time.perf_counter()
    (bulk_sqlite if backend == "sqlite" else bulk_pg)(archive, synth, n, source_ids)
    print(
        f"{backend}: {n:,} items written in {time.perf_counter() - started:.0f} s "
        f"(analysis of the fixture pool {synth.analysis_s:.1f} s)",
        flush=True,
    )
    return archive


def run_latency(args: argparse.Namespace) -> None:
    pool = fixture_items()
    one, two = queries(pool, random.Random(7))
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(
        "| backend | items | queries | search p50 | search p95 | LIKE p50 | LIKE p95 "
        "| LIKE/search (p50) |\n| --- | --- | --- | --- | --- | --- | --- | --- |"
    )
    for backend in backends:
        archive = (
            build(backend, args.items, pool)
            if not args.reuse
            else open_archive(archive_url(backend, f"items_{args.items}", fresh=False))
        )
        for label, qs in (("1 word", one), ("2 words", two)):
            s = time_queries(archive, qs)
            like = time_like(archive, qs[: args.like_queries], backend)
            like_cells = (
                f"{statistics.median(like):.0f} ms | {percentile(like, 0.95):.0f} ms | "
                f"{statistics.median(like) / statistics.median(s):.0f}×"
                if like
                else "– | – | –"  # --like-queries 0: a LIKE scan would evict the cache
            )
            print(
                f"| {backend} | {args.items:,} | {label} | {statistics.median(s):.1f} ms | "
                f"{percentile(s, 0.95):.1f} ms | {like_cells} |",
                flush=True,
            )
        archive.close()
    print("one-word queries:", ", ".join(one[:10]), "…")
    print("two-word queries:", "; ".join(two[:5]), "…")


# --- indexing -------------------------------------------------------------------------


def run_indexing(args: argparse.Namespace) -> None:
    pool = fixture_items()
    targets = [("empty", args.backend, archive_url(args.backend, "indexing"))]
    if args.into:
        targets.append(
            (
                f"{args.into:,}-item archive",
                args.backend,
                archive_url(args.backend, f"items_{args.into}", fresh=False),
            )
        )
    for label, backend, url in targets:
        archive = open_archive(url)
        sources, munis = sources_and_municipalities()
        with archive.session() as session:
            sync_sources(session, sources[:1], munis)
        base = sources[0]
        rng = random.Random(11)
        rates = []
        slice_n = 1000
        tag = int(time.time())
        cpu_started = time.process_time()
        for start in range(0, args.items, slice_n):
            records = [
                replace(
                    pool[rng.randrange(len(pool))],
                    external_id=f"x{tag}-{start + k}",
                    meeting_external_id=None,
                    url=f"{base.base_url}?x={tag}-{start + k}",
                )
                for k in range(slice_n)
            ]
            started = time.perf_counter()
            store(archive, base.name, records, base.base_url + f"?t={tag}")
            rates.append(slice_n / (time.perf_counter() - started))
        cpu = time.process_time() - cpu_started
        archive.close()
        # Items per CPU second of this process: steadier than wall time on a busy
        # machine (on PostgreSQL it leaves out the server's share).
        print(
            f"{backend}, into {label}: {args.items:,} items; items/s per 1,000-item slice: "
            + ", ".join(f"{r:.0f}" for r in rates)
            + f"; mean {args.items / sum(slice_n / r for r in rates):.0f} items/s"
            + f" ({args.items / cpu:.0f} items per CPU-s)",
            flush=True,
        )


def run_rekey(args: argparse.Namespace) -> None:
    from pykala.storage.db import migrate

    source = WORK / f"items_{args.items}.db"
    copy = WORK / f"rekey_{args.items}.db"
    with sqlite3.connect(source) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)  # a consistent copy, WAL included
    archive = open_archive(f"sqlite:///{copy}")
    timings = {}
    for target in ("0008", "0009"):
        started = time.perf_counter()
        migrate(archive.engine, target, down=target == "0008")
        timings[target] = time.perf_counter() - started
    archive.close()
    copy.unlink()
    print(
        f"sqlite, {args.items:,} items: migration 0009 (re-key) {timings['0009']:.0f} s "
        f"= {args.items / timings['0009']:,.0f} items/s; back to 0008's layout "
        f"{timings['0008']:.0f} s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("quality").set_defaults(run=run_quality)
    lat = sub.add_parser("latency")
    lat.add_argument("--items", type=int, default=100_000)
    lat.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    lat.add_argument("--reuse", action="store_true", help="use the archive a run left")
    lat.add_argument(
        "--like-queries", type=int, default=10, help="LIKE scans timed per query kind (0: none)"
    )
    lat.set_defaults(run=run_latency)
    idx = sub.add_parser("indexing")
    idx.add_argument("--items", type=int, default=10_000)
    idx.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    idx.add_argument(
        "--into", type=int, default=0, help="also index into the latency archive of this many items"
    )
    idx.set_defaults(run=run_indexing)
    rekey = sub.add_parser("rekey")
    rekey.add_argument("--items", type=int, default=100_000)
    rekey.set_defaults(run=run_rekey)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
