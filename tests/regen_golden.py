"""Rewrite golden files from the current parser output. Review every diff before committing!

python -m tests.regen_golden                      # all fixtures that have a golden file
python -m tests.regen_golden FIXTURE --url URL [--content-type CT]   # add or redo one
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tests.golden import actual, expected_path, golden_cases, render


def regen(fixture: Path, url: str | None = None, content_type: str | None = None) -> None:
    path = expected_path(fixture)
    if url is None:
        old = json.loads(path.read_text(encoding="utf-8"))
        url, content_type = old["url"], old["content_type"]
    path.write_text(render(url, content_type, actual(fixture, url, content_type)), "utf-8")
    print(f"wrote {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("fixture", nargs="?", type=Path)
    ap.add_argument("--url")
    ap.add_argument("--content-type", default=None)
    args = ap.parse_args()
    if args.fixture is None:
        for fixture in golden_cases():
            regen(fixture)
    else:
        if args.url is None and not expected_path(args.fixture).exists():
            ap.error("--url is required for a new fixture")
        regen(args.fixture.resolve(), args.url, args.content_type)


if __name__ == "__main__":
    main()
