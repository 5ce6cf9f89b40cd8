"""Outcome classification (issue 15): accuracy on the labelled set, and its cost beside
parsing.

    .venv/bin/python bench/bench_outcome.py [--seconds 2]

Accuracy: every decision of fixtures/outcomes/labelled.jsonl (the set the rules were
written against) and of heldout.jsonl (written after them) through
analysis.decisions.classify; per expected outcome class the share read right, the
overall share, and for the voted decisions the share whose vote_counts are exact.

Speed, one process, one core: every fixture page with a golden file is parsed by its
platform's parser (decode, tree, sections) and every item it yields is classified, side
by side; the ratio is classification time / parse time of the same items. Voikko's word
cache is cold on a first classification pass (a new analyser; best of 5) and warm after,
as in a harvest of many items; both are printed.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pykala.analysis.decisions import OUTCOMES, classify
from pykala.analysis.finnish import FinnishAnalyzer
from pykala.harvester.platforms import PLATFORMS
from pykala.parsers.records import ItemRecord

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
LABELLED = ROOT / "outcomes" / "labelled.jsonl"  # the rules were written against these
HELDOUT = ROOT / "outcomes" / "heldout.jsonl"  # written after the rules, first run as is
SUFFIX = ".expected.json"
ROUNDS = 5


def accuracy(path: Path) -> None:
    cases = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line]
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    votes = votes_right = people = people_right = 0
    for case in cases:
        sections = [SimpleNamespace(kind=k, text=t) for k, t in case["sections"]]
        got = classify(sections, case["meeting_kind"])
        expect = case["expect"]
        label = expect["outcome"] or "none"
        total[label] += 1
        right[label] += got.outcome == expect["outcome"]
        if expect["voted"]:
            votes += 1
            votes_right += got.voted and got.vote_counts == expect["vote_counts"]
        if expect["disqualified"] or expect["dissent"]:
            people += 1
            people_right += (
                list(got.disqualified) == expect["disqualified"]
                and list(got.dissent) == expect["dissent"]
            )
    origins = Counter(c["origin"] for c in cases)
    print(
        f"{path.name}: {len(cases)} decisions ({origins['real']} real, "
        f"{origins['written']} written)"
    )
    print("| outcome | decisions | read right | accuracy |")
    print("| --- | --- | --- | --- |")
    for label in (*OUTCOMES, "none"):
        share = right[label] / total[label] if total[label] else 0.0
        print(f"| {label} | {total[label]} | {right[label]} | {share:.1%} |")
    n, ok = sum(total.values()), sum(right.values())
    print(f"| **all** | {n} | {ok} | {ok / n:.1%} |")
    print(
        f"voted decisions with exact vote_counts: {votes_right}/{votes} = {votes_right / votes:.1%}"
    )
    print(
        f"decisions naming disqualified or dissenting members read exactly: "
        f"{people_right}/{people} = {people_right / people:.1%}"
    )


def _pages() -> list[tuple[str, bytes, str, str | None]]:
    out = []
    for golden in sorted(ROOT.rglob("*" + SUFFIX)):
        page = golden.with_name(golden.name[: -len(SUFFIX)])
        parts = page.relative_to(ROOT).parts
        platform = parts[1] if parts[0] == "documents" else parts[0]
        if platform not in PLATFORMS:
            continue
        spec = json.loads(golden.read_text("utf-8"))
        out.append((platform, page.read_bytes(), spec["url"], spec["content_type"]))
    return out


def _timed(fn: Callable[[], object], seconds: float) -> float:
    """Seconds per call of ``fn`` over whole calls for at least ``seconds``."""
    n = 0
    start = time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return elapsed / n


def _measure(label: str, pages: list[tuple[str, bytes, str, str | None]], seconds: float) -> None:
    items: list[ItemRecord] = []

    def parse_all() -> None:
        items.clear()
        for platform, body, url, ctype in pages:
            items.extend(PLATFORMS[platform].parse(body, url, ctype).items)

    def classify_all(analyzer: FinnishAnalyzer | None = None) -> None:
        for record in items:
            kind = str(record.meeting_kind) if record.meeting_kind else None
            classify(record.sections, kind, analyzer)

    parse_all()
    cold = float("inf")
    for _ in range(ROUNDS):
        cold_analyzer = FinnishAnalyzer()  # its own empty word cache
        start = time.perf_counter()
        classify_all(cold_analyzer)
        cold = min(cold, time.perf_counter() - start)
    # Alternate the two, keep each one's best round: the machine is shared, and a
    # busy moment should not land on one side only.
    parse = warm = float("inf")
    for _ in range(ROUNDS):
        parse = min(parse, _timed(parse_all, seconds / ROUNDS))
        warm = min(warm, _timed(classify_all, seconds / ROUNDS))
    chars = sum(len(s.text) for r in items for s in r.sections)
    print(
        f"{label}: {len(pages)} pages, {len(items)} items, {chars / 1000:.0f} k chars of sections"
    )
    print(f"  parse {len(items) / parse:,.0f} items/s ({parse * 1000:.1f} ms per pass)")
    print(f"  classify, warm cache {len(items) / warm:,.0f} items/s ({warm * 1000:.1f} ms)")
    print(f"  classify, cold cache {len(items) / cold:,.0f} items/s ({cold * 1000:.1f} ms)")
    print(f"  classification / parse time: warm {warm / parse:.1%}, cold {cold / parse:.1%}")


def speed(seconds: float) -> None:
    # Only pages that yield items: a meeting list costs parse time and has nothing to read.
    pages = [p for p in _pages() if PLATFORMS[p[0]].parse(p[1], p[2], p[3]).items]
    _measure("fixture pages with items", pages, seconds)
    html = [p for p in pages if not p[1].startswith(b"%PDF")]
    _measure("the same without PDFs (cheaper to parse)", html, seconds)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=2.0, help="time per contender")
    args: Any = ap.parse_args()
    accuracy(LABELLED)
    accuracy(HELDOUT)
    speed(args.seconds)


if __name__ == "__main__":
    main()
