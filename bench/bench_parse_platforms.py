"""Parse rate per platform (issue 4): CloudNC, OpenNC, Ahjo, Tweb, PDF, web pages; one core.

    PYTHONPATH=. .venv/bin/python bench/bench_parse_platforms.py [--seconds 2]

Each contender parses its platform's golden fixture pages (the URLs come from the
.expected.json files) in turn, whole passes, for at least ``--seconds``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from pykala.harvester.platforms import PLATFORMS

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SETS = {  # name → (parser, glob under fixtures/)
    "cloudnc html (reconstructed Mikkeli)": ("cloudnc", "cloudnc/mikkeli/*.html"),
    "cloudnc html, item page only": ("cloudnc", "cloudnc/mikkeli/item_*.html"),
    "opennc json (real Mikkeli+Tampere)": ("cloudnc", "cloudnc/opennc_*/*.json"),
    "opennc json, ExtendedProperties only": ("cloudnc", "cloudnc/opennc_*/contents_*.json"),
    "ahjo html (Helsinki fixtures)": ("ahjo", "ahjo/*.html"),
    "tweb html (real Oulu+Vantaa lists)": ("tweb", "tweb/*/*.html"),
    "tweb item pdf (real Oulu+Vantaa)": ("tweb", "tweb/*/*.pdf"),
    "pdf minutes (generated, 3 items)": ("pdf", "pdf/*.pdf"),
    "pdf slide deck (seed 003, 23 slides)": ("pdf", "documents/pdf/*.pdf"),
    "webpage (seeds 001, 004)": ("webpage", "documents/webpage/*.html"),
}


def pdf_pages(batch: list[tuple[bytes, str, str | None]]) -> int:
    """PDF pages in a batch (0 for HTML), for the PDF pages/s column."""
    import io

    from pypdf import PdfReader

    return sum(
        len(PdfReader(io.BytesIO(body)).pages) for body, _, _ in batch if body.startswith(b"%PDF")
    )


def pages(pattern: str) -> list[tuple[bytes, str, str | None]]:
    out = []
    for path in sorted(FIXTURES.glob(pattern)):
        if path.name.endswith(".expected.json"):
            continue
        golden = json.loads(path.with_name(path.name + ".expected.json").read_text("utf-8"))
        out.append((path.read_bytes(), golden["url"], golden["content_type"]))
    return out


def rate(platform: str, batch: list[tuple[bytes, str, str | None]], seconds: float) -> float:
    parse = PLATFORMS[platform].parse
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
        line = f"{name:<40}{len(batch):>4}{mean / 1024:>10.1f}{r:>10.0f}{r * mean / 2**20:>8.1f}"
        if n_pdf := pdf_pages(batch):  # PDF pages extracted per second
            line += f"{r * n_pdf / len(batch):>10.0f} PDF pages/s"
        print(line)


if __name__ == "__main__":
    main()
