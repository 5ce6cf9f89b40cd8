"""Golden fixture files: every fixture F with a sibling F.expected.json is a test case.

F.expected.json = {"url": original URL, "content_type": HTTP header or null,
"result": parsers.serialize.to_jsonable(parse(F))}.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pykala.harvester.platforms import PLATFORMS
from pykala.parsers.serialize import to_jsonable

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SUFFIX = ".expected.json"


def expected_path(fixture: Path) -> Path:
    return fixture.with_name(fixture.name + SUFFIX)


def golden_cases() -> list[Path]:
    """Fixture files that have a golden file, sorted."""
    return sorted(p.with_name(p.name[: -len(SUFFIX)]) for p in FIXTURES.rglob("*" + SUFFIX))


def platform_of(fixture: Path) -> str:
    """fixtures/<platform>/… → platform name in harvester.platforms.PLATFORMS; documents
    that are not minutes live in fixtures/documents/<parser>/… (webpage, pdf)."""
    parts = fixture.relative_to(FIXTURES).parts
    return parts[1] if parts[0] == "documents" else parts[0]


def actual(fixture: Path, url: str, content_type: str | None) -> dict[str, Any]:
    parse = PLATFORMS[platform_of(fixture)].parse
    return to_jsonable(parse(fixture.read_bytes(), url, content_type))


def render(url: str, content_type: str | None, result: dict[str, Any]) -> str:
    data = {"url": url, "content_type": content_type, "result": result}
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
