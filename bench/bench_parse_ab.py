"""Parse time of this checkout against another one, in one process, side by side.

    .venv/bin/python bench/bench_parse_ab.py --old /path/to/older/checkout [--rounds 40]

The older checkout's parsers are imported under their top-level names (``parsers.…``,
from before the ``pykala`` import root) next to this tree's ``pykala.parsers``; each round
parses every golden fixture of a platform with both, alternating, and the minimum of the
rounds is kept, so machine load affects both sides alike. Prints milliseconds per pass and
new/old; for Dynasty also the ratio to a bare BeautifulSoup parse of the same bytes.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bs4 import BeautifulSoup

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# platform module → fixture globs (golden files give each page's URL and Content-Type)
SETS: dict[str, tuple[str, ...]] = {
    "dynasty": ("dynasty/kuopio/meetingitem_*.html", "dynasty/espoo/20*.HTM"),
    "cloudnc": ("cloudnc/mikkeli/*.html", "cloudnc/devset/*.html"),
    "tweb": ("tweb/*/*.html",),
    "opennc": ("cloudnc/opennc_*/*.json",),
    "ahjo": ("ahjo/*",),
    "webpage": ("documents/webpage/*.html",),
    "minutes_pdf": ("pdf/*.pdf",),
}
Page = tuple[bytes, str, "str | None"]
Parse = Callable[[bytes, str, "str | None"], object]


def pages(globs: tuple[str, ...]) -> list[Page]:
    out: list[Page] = []
    for glob in globs:
        for page in sorted(FIXTURES.glob(glob)):
            golden = page.with_name(page.name + ".expected.json")
            if golden.exists():
                spec = json.loads(golden.read_text(encoding="utf-8"))
                out.append((page.read_bytes(), spec["url"], spec["content_type"]))
    return out


def best(parse: Parse, batch: list[Page]) -> float:
    started = time.perf_counter()
    for body, url, content_type in batch:
        parse(body, url, content_type)
    return time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--old", type=Path, required=True, help="the other checkout")
    ap.add_argument("--rounds", type=int, default=40)
    args = ap.parse_args()
    sys.path.insert(0, str(args.old.resolve()))
    print("| parser | pages | old ms | new ms | new/old |\n| --- | --- | --- | --- | --- |")
    for name, globs in SETS.items():
        batch = pages(globs)
        old: Parse = importlib.import_module(f"parsers.{name}").parse
        new: Parse = importlib.import_module(f"pykala.parsers.{name}").parse
        o = n = float("inf")
        for _ in range(args.rounds):
            o, n = min(o, best(old, batch)), min(n, best(new, batch))
        print(f"| {name} | {len(batch)} | {o * 1000:.2f} | {n * 1000:.2f} | {n / o:.2f} |")
        if name == "dynasty":
            soup = float("inf")
            for _ in range(args.rounds):
                soup = min(soup, best(lambda b, u, c: BeautifulSoup(b, "lxml"), batch))
            print(
                f"|   (bare BeautifulSoup) | | old/bs4 {o / soup:.2f} | new/bs4 {n / soup:.2f} | |"
            )


if __name__ == "__main__":
    main()
