"""Every fixture page with a sibling .expected.json parses to exactly that result."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.golden import FIXTURES, actual, expected_path, golden_cases

CASES = golden_cases()


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 19  # discovery works: every fixture folder is found


@pytest.mark.parametrize("fixture", CASES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_golden(fixture: Path) -> None:
    expected = json.loads(expected_path(fixture).read_text(encoding="utf-8"))
    got = actual(fixture, expected["url"], expected["content_type"])
    assert got == expected["result"]
