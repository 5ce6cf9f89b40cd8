"""Parse rate per platform (issue 4): CloudNC HTML, OpenNC JSON, Ahjo HTML, on one core.

    PYTHONPATH=. .venv/bin/python bench/bench_parse_platforms.py [--seconds 2]

Each contender parses its platform's golden fixture pages (the URLs come from the
.expected.json files) in turn, whole passes, for at least ``--seconds``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from parsers import PARSERS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SETS = {  # name → (parser, glob under fixtures/)
    "cloudnc html (reconstructed Mikkeli)": ("cloudnc", "cloudnc/mikkeli/*.html"),
    "cloudnc html, item page only": ("cloudnc", "cloudnc/mikkeli/item_*.html"),
    "opennc json (real Mikkeli+Tampere)": ("cloudnc", "cloudnc/opennc_*/*.json"),
    "opennc json, ExtendedProperties only": ("cloudnc", "cloudnc/opennc_*/contents_*.json"),
    "ahjo html (Helsinki fixtures)": ("ahjo", "ahjo/*.html"),
}


def pages(pattern: str) -> list[tuple[bytes, str, str | None]]:
    out = []
    for path in sorted(FIXTURES.glob(pattern)):
        if path.name.endswith(".expected.json"):
            continue
        golden = json.loads(path.with_name(path.name + ".expected.json").read_text("utf-8"))
        out.append((path.read_bytes(), golden["url"], golden["content_type"]))
    return out


def rate(platform: str, batch: list[tuple[bytes, str, str | None]], seconds: float) -> float:
    parse = PARSERS[platform]
    n = 0
    start = time.perf_counter()
    while True:
        for body, url, ct in batch:
            parse(body, url, ct)
        n += len(batch)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return n / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=2.0, help="time per contender")
    args = ap.parse_args()
    print(f"{'pages':<40}{'n':>4}{'mean KiB':>10}{'pages/s':>10}{'MiB/s':>8}")
    for name, (platform, pattern) in SETS.items():
        batch = pages(pattern)
        size = sum(len(b) for b, _, _ in batch)
        r = rate(platform, batch, args.seconds)
        mean = size / len(batch)
        print(f"{name:<40}{len(batch):>4}{mean / 1024:>10.1f}{r:>10.0f}{r * mean / 2**20:>8.1f}")


if __name__ == "__main__":
    main()
