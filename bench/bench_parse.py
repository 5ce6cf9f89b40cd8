"""Parse rate of Dynasty item pages, against bare BeautifulSoup and bare lxml parses.

    .venv/bin/python bench/bench_parse.py [--seconds 2]

For each fixture item page (Kuopio reconstructed + real Espoo), on one core: our full
parse (decode, cut, tree, blocks, sections, links) vs BeautifulSoup(body, "lxml") and
lxml.html.fromstring on the same bytes. Prints pages/s and the ratios.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import lxml.html
from bs4 import BeautifulSoup

from pykala.parsers import dynasty

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "dynasty"
PAGES: list[tuple[str, str]] = [
    ("kuopio/meetingitem_2020362412-5.html",
     "http://publish.kuopio.fi/cgi/DREQUEST.PHP?page=meetingitem&id=2020362412-5"),
    ("kuopio/meetingitem_2020362412-3.html",
     "http://publish.kuopio.fi/cgi/DREQUEST.PHP?page=meetingitem&id=2020362412-3"),
    ("kuopio/meetingitem_2020362412-4.html",
     "http://publish.kuopio.fi/cgi/DREQUEST.PHP?page=meetingitem&id=2020362412-4"),
    ("espoo/2013262303-5.HTM", "http://espoo04.hosting.documenta.fi/kokous/2013262303-5.HTM"),
    ("espoo/2017406946-3.HTM", "http://espoo04.hosting.documenta.fi/kokous/2017406946-3.HTM"),
    ("espoo/2017409886-4.HTM", "http://espoo04.hosting.documenta.fi/kokous/2017409886-4.HTM"),
    ("espoo/2017409886-26.HTM", "http://espoo04.hosting.documenta.fi/kokous/2017409886-26.HTM"),
]  # fmt: skip


def rate(
    fn: Callable[[bytes, str], object], pages: list[tuple[bytes, str]], seconds: float
) -> float:
    """Pages per second over whole passes of ``pages`` for at least ``seconds``."""
    n = 0
    start = time.perf_counter()
    while True:
        for body, url in pages:
            fn(body, url)
        n += len(pages)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=2.0, help="time per contender")
    args = ap.parse_args()
    pages = [((ROOT / rel).read_bytes(), url) for rel, url in PAGES]
    total = sum(len(b) for b, _ in pages)
    print(
        f"{len(pages)} item pages, {total / 1024:.0f} KiB, mean {total / len(pages) / 1024:.1f} KiB"
    )
    ours = rate(lambda b, u: dynasty.parse(b, u), pages, args.seconds)
    bs4 = rate(lambda b, u: BeautifulSoup(b, "lxml"), pages, args.seconds)
    bare = rate(lambda b, u: lxml.html.fromstring(b), pages, args.seconds)
    print(f"{'contender':<34}{'pages/s':>10}{'time vs bs4':>14}")
    for name, r in (
        ("pykala dynasty.parse (full)", ours),
        ('BeautifulSoup(body, "lxml") bare', bs4),
        ("lxml.html.fromstring bare", bare),
    ):
        print(f"{name:<34}{r:>10.1f}{bs4 / r:>13.2f}x")
    print(f"full parse time / bs4 bare parse time = {bs4 / ours:.2f} (goal <= 1.5)")
    print(f"full parse time / lxml bare parse time = {bare / ours:.2f}")


if __name__ == "__main__":
    main()
