"""The devset truth files (fixtures/*/devset/*.truth.json) are well-formed.

Checks keys, types, ISO dates and section kinds, and that the hand-typed strings (title,
diary number, handling lines, proposal/decision starts) occur in the page's visible text.
It does not run any parser.
"""

from __future__ import annotations

import datetime
import html
import json
import pathlib
import re

import pytest

FIX = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
TRUTHS = sorted(FIX.glob("*/devset/*.truth.json"))
KINDS = {
    "valmistelija",
    "esittelija",
    "selostus",
    "paatosehdotus",
    "paatos",
    "kasittely",
    "aanestys",
    "esteellisyys",
    "tiedoksi",
    "muutoksenhaku",
    "liitteet",
    "paatoshistoria",
    "other",
}
EXPECT_KEYS = {
    "title",
    "body_name",
    "meeting_date",
    "meeting_kind",
    "paragraph",
    "diary_number",
    "language",
    "history",
    "sections",
    "presenter",
    "proposal_starts",
    "decision_starts",
}


def visible_text(page: pathlib.Path, content_type: str | None) -> str:
    raw = page.read_bytes()
    m = re.search(r"charset=([\w-]+)", content_type or "") or re.search(
        rb"charset=['\"]?([\w-]+)", raw
    )
    charset = m.group(1) if m else "utf-8"
    text = raw.decode(charset.decode() if isinstance(charset, bytes) else charset)
    text = re.sub(r"(?is)<(style|script)\b.*?</\1>", " ", text)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return re.sub(r"\s+", " ", text)


def test_devset_present() -> None:
    assert len(list(FIX.glob("dynasty/devset/*.truth.json"))) >= 25
    assert len(list(FIX.glob("cloudnc/devset/*.truth.json"))) >= 5


@pytest.mark.parametrize("truth", TRUTHS, ids=lambda p: f"{p.parent.parent.name}/{p.stem}")
def test_truth_well_formed(truth: pathlib.Path) -> None:
    t = json.loads(truth.read_text(encoding="utf-8"))
    assert set(t) == {"url", "content_type", "source", "expect"}
    assert t["url"].startswith(("http://", "https://")) and t["source"]
    assert "/work/" not in t["source"]
    e = t["expect"]
    assert set(e) == EXPECT_KEYS
    if e["meeting_date"] is not None:
        datetime.date.fromisoformat(e["meeting_date"])
    assert e["meeting_kind"] in ("poytakirja", "esityslista", None)
    assert e["language"] in ("fi", "sv")
    assert e["paragraph"] is None or e["paragraph"].isdigit()
    assert isinstance(e["history"], list) and all(isinstance(h, str) and h for h in e["history"])
    for kind, heading in e["sections"]:
        assert kind in KINDS and isinstance(heading, str) and not heading.endswith(":")
    page = truth.with_name(truth.name.replace(".truth.json", ".html"))
    text = visible_text(page, t["content_type"])
    for s in [
        e["title"],
        e["body_name"],
        e["diary_number"],
        e["presenter"],
        e["proposal_starts"],
        e["decision_starts"],
        *e["history"],
        *(h for _, h in e["sections"]),
    ]:
        if s:
            assert s in text, s
