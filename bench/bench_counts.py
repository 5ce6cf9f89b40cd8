"""What the total ("20 of 59") and the facets of a search cost, beside the search itself
(issue 14).

Run (PostgreSQL at postgresql+psycopg://postgres@127.0.0.1:5432/test, or $PYKALA_TEST_PG):
  PYTHONPATH=. .venv/bin/python bench/bench_counts.py --items 100000 --backend both

The synthetic archive and the queries of bench_search.py latency (``--reuse``: the archive
a run of either left in /tmp/pykala-bench or the ``bench_items_N`` schema). Per query,
side by side in one session: search_items(limit=20) with snippets (what the table shows),
search_summary with the total only, and with the facets municipality, year and body
(one grouped query; and as three summaries of one facet each, as the first version ran).
Reported: p50 and p95 of each and the ratio to the search (p50).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_search import archive_url, build, fixture_items, percentile, queries

from pykala.storage.db import Archive, open_archive
from pykala.storage.search import search_items
from pykala.storage.search.counts import search_summary

FACETS = ["municipality", "year", "body"]


def timed(archive: Archive, qs: Sequence[str], call: Callable[..., object]) -> list[float]:
    times = []
    with archive.session() as session:
        call(session, qs[0])  # warm the connection and the analyser
        for q in qs:
            started = time.perf_counter()
            call(session, q)
            times.append((time.perf_counter() - started) * 1000)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--reuse", action="store_true", help="use the archive a run left")
    args = parser.parse_args()
    pool = fixture_items()
    one, two = queries(pool, random.Random(7))
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    calls: list[tuple[str, Callable[..., object]]] = [
        ("search (limit 20)", lambda s, q: search_items(s, q, limit=20)),
        ("total", lambda s, q: search_summary(s, q)),
        ("total + 3 facets", lambda s, q: search_summary(s, q, None, FACETS)),
        # The first version ran one grouped query per facet: this is its cost (and two
        # more totals, which are cheap), side by side with the shared grouped query.
        (
            "3 facets, one query each",
            lambda s, q: [search_summary(s, q, None, [f]) for f in FACETS],
        ),
    ]
    print(
        "| backend | items | queries | measured | p50 | p95 | ÷ search (p50) |\n"
        "| --- | --- | --- | --- | --- | --- | --- |"
    )
    for backend in backends:
        archive = (
            build(backend, args.items, pool)
            if not args.reuse
            else open_archive(archive_url(backend, f"items_{args.items}", fresh=False))
        )
        for label, qs in (("1 word", one), ("2 words", two)):
            base = 0.0
            for name, call in calls:
                t = timed(archive, qs, call)
                p50 = statistics.median(t)
                base = base or p50
                print(
                    f"| {backend} | {args.items:,} | {label} | {name} | {p50:.1f} ms | "
                    f"{percentile(t, 0.95):.1f} ms | {p50 / base:.1f}× |",
                    flush=True,
                )
        with archive.session() as session:
            totals = [search_summary(session, q).total for q in one]
        print(f"{backend}: matches per 1-word query, median {statistics.median(totals):,.0f}")
        archive.close()


if __name__ == "__main__":
    main()
