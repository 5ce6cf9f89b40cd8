"""The development set against what a person read from each page (``F.truth.json``).

Pages of cities, wellbeing services counties and joint authorities in many templates
(fixtures/README.md, "devset"): every hand-written field must come out of the parser.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.devset import TRUTHS, compare, parse


def test_devset_covers_both_platforms() -> None:
    platforms = {t.parent.parent.name for t in TRUTHS}
    assert platforms == {"dynasty", "cloudnc"}
    assert len(TRUTHS) >= 30


@pytest.mark.parametrize("truth", TRUTHS, ids=lambda t: f"{t.parent.parent.name}/{t.stem}")
def test_record_matches_what_a_person_read(truth: Path) -> None:
    expect, item = parse(truth)
    assert compare(expect, item) == []
