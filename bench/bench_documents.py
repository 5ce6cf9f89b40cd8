"""The document path (issue 13, item 4): documents saved (upsert, version, index), scored
against the shipped topics, and searched, on one archive.

Run from a checkout, with its own environment (so two checkouts can be compared one after
the other; the bench only uses save_document, refresh and search_documents):
  PYTHONPATH=. .venv/bin/python bench/bench_documents.py --documents 2000 --backend sqlite

Documents are made from the parsed fixture items (bench_search.fixture_items): the title
of one item with the section texts of another as the text. Each is saved twice, the
second time with a changed text, so every document also gets a version and a re-index.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import archive_url, fixture_items, percentile, queries

from pykala.linking.membership import refresh
from pykala.linking.topics import load_topics
from pykala.parsers.records import DocumentRecord, ItemRecord
from pykala.storage.db import open_archive
from pykala.storage.documents import save_document
from pykala.storage.search.documents import search_documents

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def documents(pool: list[ItemRecord], n: int) -> list[DocumentRecord]:
    rng = random.Random(13)
    out = []
    for i in range(n):
        head, body = rng.choice(pool), rng.choice(pool)
        out.append(
            DocumentRecord(
                external_id=f"https://bench.example.fi/document/{i}",
                url=f"https://bench.example.fi/document/{i}",
                title=head.title,
                text="\n\n".join(s.text for s in body.sections),
                region="Pohjois-Savo",
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    pool = fixture_items()
    records = documents(pool, args.documents)
    one, two = queries(pool, random.Random(7))
    archive = open_archive(archive_url(args.backend, f"documents_{args.documents}"))
    timings: dict[str, tuple[float, float]] = {}  # phase -> (wall s, CPU s)

    def timed(phase: str, started: float, cpu: float) -> None:
        timings[phase] = (time.perf_counter() - started, time.process_time() - cpu)

    started, cpu = time.perf_counter(), time.process_time()
    with archive.session() as session:
        for record in records:
            save_document(session, record, seen_at=T0)
    timed("save", started, cpu)
    started, cpu = time.perf_counter(), time.process_time()
    with archive.session() as session:
        for record in records:
            changed = replace(record, text=record.text + " Päivitetty.")
            save_document(session, changed, seen_at=T0 + timedelta(days=1))
    timed("update", started, cpu)
    started, cpu = time.perf_counter(), time.process_time()
    with archive.session() as session:
        report = refresh(session, load_topics())
    timed("refresh", started, cpu)
    assert report.documents_analysed == args.documents, report
    rows = []
    with archive.session() as session:
        search_documents(session, one[0])  # warm the analyser
        cpu = time.process_time()
        for label, qs in (("1 word", one), ("2 words", two)):
            times = []
            for q in qs:
                started = time.perf_counter()
                search_documents(session, q, limit=20)
                times.append((time.perf_counter() - started) * 1000)
            rows.append((label, statistics.median(times), percentile(times, 0.95)))
        search_cpu = (time.process_time() - cpu) * 1000 / (len(one) + len(two))
    archive.close()
    n = args.documents
    # Per CPU second too: on a loaded machine the wall time mostly measures the wait.
    rates = ", ".join(
        f"{what} {n / wall:,.0f}/s ({n / cpu:,.0f}/CPU-s)"
        for what, (wall, cpu) in (
            ("saved", timings["save"]),
            ("updated (version + re-index)", timings["update"]),
            ("scored", timings["refresh"]),
        )
    )
    print(f"{args.backend}, {n:,} documents: {rates}")
    for label, p50, p95 in rows:
        print(f"  search_documents {label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(f"  search_documents CPU per search: {search_cpu:.1f} ms")


if __name__ == "__main__":
    main()
