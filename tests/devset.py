"""The development set: pages of many organisations and templates, each with the record a
person read from it (``F.truth.json``, typed by hand; see fixtures/README.md). ``compare``
lists where a parser's record differs from the truth, field by field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pykala.harvester.platforms import PLATFORMS
from pykala.parsers.itemhead import HISTORY_RE
from pykala.parsers.records import ItemRecord, SectionKind

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TRUTHS = sorted(FIXTURES.glob("*/devset/*.truth.json"))


def page_of(truth: Path) -> Path:
    return truth.with_name(truth.name.removesuffix(".truth.json") + ".html")


def parse(truth: Path) -> tuple[dict[str, Any], ItemRecord]:
    spec = json.loads(truth.read_text(encoding="utf-8"))
    platform = truth.parent.parent.name
    result = PLATFORMS[platform].parse(
        page_of(truth).read_bytes(), spec["url"], spec["content_type"]
    )
    (item,) = result.items
    return spec["expect"], item


def _history(item: ItemRecord) -> list[str]:
    """Earlier handlings: the lines before the title, and the handling lines of a
    Päätöshistoria section ("Hallitus 18.09.2020 § 94")."""
    out: list[str] = []
    for s in item.sections:
        if s.kind is SectionKind.PAATOSHISTORIA:
            lines = s.text.split("\n\n") if s.text else []
            out += lines if not s.heading else [x for x in lines if HISTORY_RE.fullmatch(x)]
    return out


def _starts(item: ItemRecord, kind: SectionKind, n: int) -> str | None:
    section = item.section(kind)
    return section.text[:n] if section is not None and section.text else None


def compare(expect: dict[str, Any], item: ItemRecord) -> list[str]:
    """The fields where ``item`` differs from ``expect``, one line each."""
    got: dict[str, Any] = {
        "title": item.title,
        "body_name": item.body_name,
        "meeting_date": item.meeting_date.isoformat() if item.meeting_date else None,
        "meeting_kind": item.meeting_kind.value if item.meeting_kind else None,
        "paragraph": item.paragraph,
        "diary_number": item.diary_number,
        "language": item.language,
        "sections": [
            [s.kind.value, s.heading.rstrip(":").rstrip()]
            for s in item.sections
            if not (s.kind is SectionKind.PAATOSHISTORIA and not s.heading)
        ],
        "presenter": next((s.presenter for s in item.sections if s.presenter), None),
    }
    got["history"] = _history(item)
    want = dict(expect)
    # The item's own meeting line (the meeting's date) is not an earlier handling.
    want["history"] = [h for h in expect["history"] if not _same_day(h, item)]
    for key, kind in (("proposal_starts", SectionKind.PAATOSEHDOTUS),
                      ("decision_starts", SectionKind.PAATOS)):  # fmt: skip
        text = want[key]
        got[key] = _starts(item, kind, len(text) if text else 40)
    return _diff(want, got)


def _same_day(line: str, item: ItemRecord) -> bool:
    day = item.meeting_date
    if day is None:
        return False
    return f"{day.day}.{day.month}.{day.year}" in line or f"{day:%d.%m.%Y}" in line


def _diff(want: dict[str, Any], got: dict[str, Any]) -> list[str]:
    return [f"{k}: want {want[k]!r}, got {got.get(k)!r}" for k in want if want[k] != got.get(k)]
