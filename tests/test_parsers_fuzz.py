"""Fuzz: mutants of every fixture raise nothing but ParseError from any parser entry
point (issue 12). Fixed seed, so a failure reproduces; bench/bench_fuzz.py runs more."""

from __future__ import annotations

from tests import fuzzkit

PER_FIXTURE = 8  # one of each mutation kind per fixture: ~1,000 mutants, ~14,000 inputs


def test_every_mutant_of_every_fixture_raises_only_parse_error() -> None:
    tally = fuzzkit.run(fuzzkit.mutants(PER_FIXTURE, seed=12))
    assert tally.inputs >= 100 * len(fuzzkit.entry_points())
    assert tally.parse_errors > 0  # the mutants do reach the parsers' error paths
    assert not tally.findings, "\n".join(str(f) for f in tally.findings[:20])


def test_mutators_cover_every_kind_on_every_fixture() -> None:
    seeds = fuzzkit.seeds()
    assert len(seeds) > 100 and {s.path.suffix.lower() for s in seeds} >= {
        ".html",
        ".htm",
        ".json",
        ".xml",
        ".pdf",
    }
    hows = [m.how for m in fuzzkit.mutants(len(fuzzkit.MUTATORS), seed=12)]
    assert len(hows) == len(seeds) * len(fuzzkit.MUTATORS)
    for word in ("flip", "cut", "control", "x b'[", "charset", "link", "slice"):
        assert any(word in h for h in hows), word
