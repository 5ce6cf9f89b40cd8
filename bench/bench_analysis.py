"""Finnish analysis throughput: analyze_word (cold cache) against Voikko's own analyze().

Run: PYTHONPATH=. .venv/bin/python bench/bench_analysis.py [--seeds DIR] [--rounds N]
Words: the distinct tokens of the ``*.txt`` files in DIR (default ``$PYKALA_SEEDS``, else
``seeds``): RESULTS.md used the project's five seed texts, which are not in the
repository. Each round uses a fresh analyser, so every word is a cache miss; the best
round of each side is reported.
"""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

from pykala.analysis.finnish import FinnishAnalyzer

SEEDS = Path(os.environ.get("PYKALA_SEEDS", "seeds"))
_WORD_RE = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def distinct_words(seeds: Path) -> list[str]:
    words: dict[str, None] = {}
    for path in sorted(seeds.glob("*.txt")):
        for match in _WORD_RE.finditer(path.read_text(encoding="utf-8")):
            words.setdefault(match.group().lower())
    return list(words)


def time_analyzer(words: list[str]) -> float:
    analyzer = FinnishAnalyzer()
    start = time.perf_counter()
    for word in words:
        analyzer.analyze_word(word)
    return time.perf_counter() - start


def time_voikko(words: list[str]) -> float:
    analyzer = FinnishAnalyzer()
    start = time.perf_counter()
    for word in words:
        analyzer.voikko_analyze(word)
    return time.perf_counter() - start


def time_text(texts: list[str], analyzer: FinnishAnalyzer) -> tuple[float, int]:
    start = time.perf_counter()
    tokens = sum(len(analyzer.analyze_text(text).lemmas.split()) for text in texts)
    return time.perf_counter() - start, tokens


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=Path, default=SEEDS)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    words = distinct_words(args.seeds)
    ours = min(time_analyzer(words) for _ in range(args.rounds))
    raw = min(time_voikko(words) for _ in range(args.rounds))
    print(f"distinct words: {len(words)} (best of {args.rounds} rounds)")
    print(f"analyze_word (cold cache): {len(words) / ours:,.0f} words/s")
    print(f"Voikko analyze():          {len(words) / raw:,.0f} words/s")
    print(f"ratio analyze_word / Voikko: {raw / ours:.2f}")
    texts = [path.read_text(encoding="utf-8") for path in sorted(args.seeds.glob("*.txt"))]
    analyzer = FinnishAnalyzer()
    cold, lemmas = time_text(texts, analyzer)
    warm, _ = time_text(texts, analyzer)
    chars = sum(len(text) for text in texts)
    print(
        f"analyze_text on the seeds ({chars:,} chars, {lemmas:,} lemmas out): "
        f"cold {chars / cold / 1e6:.2f} M chars/s, warm {chars / warm / 1e6:.2f} M chars/s"
    )


if __name__ == "__main__":
    main()
