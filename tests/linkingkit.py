"""The acceptance archive of issue 3: both seeds and the decisions they must not match.

Parser fixtures go through the real parsers (Kuopio Dynasty pages, the Mikkeli CloudNC
seed page); the invented negatives in fixtures/linking/ are ItemRecords in JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from pykala.harvester.platforms import PLATFORMS
from pykala.linking.linkview import resolve_item_id
from pykala.parsers.records import (
    ItemRecord,
    MeetingKind,
    PageKind,
    ParseResult,
    Section,
    SectionKind,
)
from pykala.storage.db import Archive
from pykala.storage.sources import sync_sources
from tests.storagekit import Muni, Src, store

FIXTURES = Path(__file__).parent.parent / "fixtures"

MUNICIPALITIES = {
    "297": Muni("Kuopio", "Kuopio", "Pohjois-Savo", "Pohjois-Savon hyvinvointialue"),
    "491": Muni("Mikkeli", "S:t Michel", "Etelä-Savo", "Etelä-Savon hyvinvointialue"),
    "049": Muni("Espoo", "Esbo", "Uusimaa", "Länsi-Uudenmaan hyvinvointialue"),
}
SOURCES = [
    Src("kuopio", "dynasty", "http://publish.kuopio.fi/cgi/DREQUEST.PHP", "297"),
    Src("mikkeli", "cloudnc", "https://mikkeli.cloudnc.fi/fi-FI", "491"),
    Src("espoo", "dynasty", "https://espoo.oncloudos.com/cgi/DREQUEST.PHP", "049"),
]

KUOPIO_SEED = "kuopio:2020362412-5"  # § 48 Kuopion Perhekeskustoimintamalli
MIKKELI_SEED = "mikkeli:14112"  # § 118 Mikkelin kaupungin osallistuminen … perhekeskustoimintaan
FOSTER_CARE = "kuopio:2020362412-3"  # § 46 Perhehoidon palkkiot ja kulukorvaukset
HEALTH_CENTRE = "kuopio:2020362412-4"  # § 47 Kallaveden terveysaseman peruskorjaus
ZONING = "espoo:2019405112-7"  # Kauppakeskuksen asemakaava
BUDGET = "mikkeli:13877"  # Talousarvio 2019
NEGATIVES = (FOSTER_CARE, HEALTH_CENTRE, ZONING, BUDGET)


@dataclass(frozen=True)
class PageFixture:
    source: str
    path: Path

    def parse(self) -> tuple[str, bytes, ParseResult]:
        golden = json.loads(Path(f"{self.path}.expected.json").read_text(encoding="utf-8"))
        body = self.path.read_bytes()
        platform = next(s.platform for s in SOURCES if s.name == self.source)
        return (
            golden["url"],
            body,
            PLATFORMS[platform].parse(body, golden["url"], golden["content_type"]),
        )


PAGES = (
    PageFixture("kuopio", FIXTURES / "dynasty/kuopio/meetingitem_2020362412-3.html"),
    PageFixture("kuopio", FIXTURES / "dynasty/kuopio/meetingitem_2020362412-4.html"),
    PageFixture("kuopio", FIXTURES / "dynasty/kuopio/meetingitem_2020362412-5.html"),
    PageFixture("mikkeli", FIXTURES / "cloudnc/mikkeli/item_14112.html"),
)
RECORDS = (
    FIXTURES / "linking/espoo_kauppakeskus_asemakaava.json",
    FIXTURES / "linking/mikkeli_talousarvio_2019.json",
)


def record_from_json(data: dict[str, Any]) -> ItemRecord:
    diary = data.get("diary_number")
    return ItemRecord(
        external_id=data["external_id"],
        meeting_external_id=data.get("meeting_external_id"),
        url=data["url"],
        title=data["title"],
        body_name=data.get("body_name"),
        meeting_date=date.fromisoformat(data["meeting_date"]) if data.get("meeting_date") else None,
        meeting_kind=MeetingKind(data["meeting_kind"]) if data.get("meeting_kind") else None,
        position=data.get("position"),
        paragraph=data.get("paragraph"),
        diary_number=diary,
        diary_number_normalised=diary,
        pdf_url=None,
        sections=tuple(
            Section(SectionKind(s["kind"]), s["heading"], s["text"], s.get("presenter"))
            for s in data["sections"]
        ),
        attachments=(),
    )


def load_acceptance_archive(archive: Archive) -> None:
    """Store the four parsed pages and the invented records in ``archive``."""
    with archive.session() as session:
        sync_sources(session, SOURCES, MUNICIPALITIES)
    for page in PAGES:
        url, body, result = page.parse()
        assert result.items, f"{page.path} gave no item"
        store(archive, result, source=page.source, url=url, body=body)
    for path in RECORDS:
        data = json.loads(path.read_text(encoding="utf-8"))
        record = record_from_json(data)
        result = ParseResult(page_kind=PageKind.ITEM, items=(record,))
        store(archive, result, source=data["source"], url=record.url, body=path.read_bytes())


def item_db_id(session: Session, stable_id: str) -> int:
    """The database id of "<source>:<external id>" (which must be stored)."""
    found = resolve_item_id(session, stable_id)
    assert found is not None, stable_id
    return found
