"""Fuzz throughput and findings (issue 12): mutants of every fixture through every parser
and classifier entry point; the goal is 0 exceptions other than ParseError.

    PYTHONPATH=. .venv/bin/python bench/bench_fuzz.py [--per-fixture 16] [--seed 12]

Each mutant (tests/fuzzkit.py: byte flips, cuts, NUL/control bytes, 100,000-deep
nesting, bogus charsets, bad link ports, JSON type swaps, repeated slices) goes to the
7 parsers (unguarded) and the 7 classifiers; an input is one (mutant, entry point) pair.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import logging
import sys
import warnings

from tests import fuzzkit


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--per-fixture", type=int, default=16, help="mutants of each fixture")
    ap.add_argument("--seed", type=int, default=12)
    args = ap.parse_args()
    logging.disable(logging.CRITICAL)  # libraries' complaints about the damage we made
    warnings.simplefilter("ignore")
    mutants = list(fuzzkit.mutants(args.per_fixture, seed=args.seed))
    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet), contextlib.redirect_stderr(quiet):
        tally = fuzzkit.run(iter(mutants))
    entry_points = len(fuzzkit.entry_points()) * 2  # parsers and classifiers
    print(f"fixtures {len(fuzzkit.seeds())}, mutants {len(mutants)}, entry points {entry_points}")
    print(
        f"inputs {tally.inputs:,} in {tally.seconds:.1f} s: {tally.inputs / tally.seconds:,.0f}"
        f" inputs/s ({len(mutants) / tally.seconds:,.1f} mutants/s through all entry points)"
    )
    print(f"ParseError {tally.parse_errors:,}; other exceptions {len(tally.findings)} (goal 0)")
    kinds = collections.Counter(
        f"{f.entry}: {type(f.error).__name__}: {str(f.error)[:80]}" for f in tally.findings
    )
    for kind, n in kinds.most_common(20):
        print(f"  {n} x {kind}")
    for finding in tally.findings[:5]:
        print(f"  e.g. {finding}")
    return 1 if tally.findings else 0


if __name__ == "__main__":
    sys.exit(main())
