"""Upserting parse results: idempotence, versions, worse parses, natural keys."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pykala.parsers.records import Attachment, MeetingKind, MeetingRecord, PageKind, ParseResult
from pykala.storage import models
from pykala.storage.content import content_hash, record_content
from pykala.storage.db import Archive
from tests.storagekit import T0, T1, item, item_page, setup_sources, store, without_sections


def _count(archive: Archive, model: type[models.Base]) -> int:
    with archive.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _item(archive: Archive, external_id: str, source: str = "kuopio") -> models.Item:
    with archive.session() as session:
        return session.scalars(
            select(models.Item)
            .join(models.Source)
            .where(models.Source.name == source, models.Item.external_id == external_id)
        ).one()


def test_saving_the_same_parse_twice_changes_nothing(archive: Archive) -> None:
    setup_sources(archive)
    result = item_page(
        item("2024101-3"),
        item(
            "2024101-4", "Tilinpäätös 2023", attachments=(Attachment("https://a/1.pdf", "Liite"),)
        ),
    )
    first = store(archive, result)
    tables = (models.Item, models.Section, models.Attachment, models.Meeting, models.Body)
    before = {m.__tablename__: _count(archive, m) for m in tables}
    second = store(archive, result, at=T1)
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 2)
    assert second.warnings == []
    assert {m.__tablename__: _count(archive, m) for m in tables} == before
    assert before == {"item": 2, "section": 6, "attachment": 1, "meeting": 1, "body": 1}
    assert _count(archive, models.ItemVersion) == 0
    assert _item(archive, "2024101-3").last_changed.replace(tzinfo=None) == T0.replace(tzinfo=None)


def test_changed_item_is_updated_and_old_content_versioned(archive: Archive) -> None:
    setup_sources(archive)
    agenda = item(kind=MeetingKind.ESITYSLISTA, paatos="")
    store(archive, item_page(agenda), body=b"agenda")
    minutes = item(kind=MeetingKind.POYTAKIRJA, paatos="Hyväksyttiin muutoksin.")
    counts = store(archive, item_page(minutes), body=b"minutes", at=T1)
    assert (counts.inserted, counts.updated, counts.unchanged) == (0, 1, 0)

    stored = _item(archive, agenda.external_id)
    assert stored.meeting_kind == "poytakirja"
    assert stored.content_hash == content_hash(record_content(minutes))
    with archive.session() as session:
        versions = session.scalars(
            select(models.ItemVersion).where(models.ItemVersion.item_id == stored.id)
        ).all()
        assert len(versions) == 1
        old = versions[0]
        assert old.version == 1
        # The version is the complete earlier content, exactly as the hash saw it.
        assert json.loads(old.content) == record_content(agenda)
        assert old.content_hash == content_hash(record_content(agenda))
        assert old.raw_page_id is not None
        raw = session.get(models.RawPage, old.raw_page_id)
        assert raw is not None and raw.body == b"agenda"
        paatos = session.scalars(
            select(models.Section.text).where(
                models.Section.item_id == stored.id, models.Section.kind == "paatos"
            )
        ).all()
        assert paatos == ["Hyväksyttiin muutoksin."]
    assert _count(archive, models.Section) == 3  # replaced, not appended

    third = item(kind=MeetingKind.POYTAKIRJA, paatos="Hyväksyttiin muutoksin. Oikaisu.")
    store(archive, item_page(third), body=b"corrected", at=T1)
    with archive.session() as session:
        numbers = session.scalars(
            select(models.ItemVersion.version).order_by(models.ItemVersion.version)
        ).all()
        assert numbers == [1, 2]


def test_worse_parse_is_not_applied(archive: Archive) -> None:
    setup_sources(archive)
    good = item()
    store(archive, item_page(good))
    counts = store(archive, item_page(without_sections(replace(good, title="X"))), at=T1)
    assert counts.updated == 0 and counts.unchanged == 1
    assert counts.warnings == [
        "kept earlier version of kuopio:2024101-3: new parse has no sections"
    ]
    stored = _item(archive, good.external_id)
    assert stored.title == good.title
    assert _count(archive, models.Section) == 3
    assert _count(archive, models.ItemVersion) == 0

    untitled = store(archive, item_page(replace(good, title="  ", paragraph="49")), at=T1)
    assert untitled.warnings == ["kept earlier version of kuopio:2024101-3: new parse has no title"]
    assert _item(archive, good.external_id).paragraph == "48"


def test_item_creates_its_meeting_and_body_then_meeting_page_completes_it(
    archive: Archive,
) -> None:
    setup_sources(archive)
    store(archive, item_page(item("2024101-3"), item("2024101-4", "Toinen asia")))
    with archive.session() as session:
        meeting = session.scalars(select(models.Meeting)).one()
        assert (meeting.external_id, meeting.date, meeting.kind) == (
            "2024101",
            date(2024, 2, 26),
            "poytakirja",
        )
        body = session.get(models.Body, meeting.body_id)
        assert body is not None and body.name == "Kaupunginhallitus"
    meeting_page = ParseResult(
        page_kind=PageKind.MEETING,
        meetings=(
            MeetingRecord(
                external_id="2024101",
                url="https://kuopio.example/?page=meeting&id=2024101",
                body_name="Kaupunginhallitus",
                body_external_id="200120",
                status="Tarkastettu",
            ),
        ),
    )
    store(archive, meeting_page, url="https://kuopio.example/?page=meeting&id=2024101")
    with archive.session() as session:
        meeting = session.scalars(select(models.Meeting)).one()
        assert meeting.status == "Tarkastettu"
        assert meeting.date == date(2024, 2, 26)  # not erased by a page that omits it
        body = session.scalars(select(models.Body)).one()
        assert body.external_id == "200120"
        assert session.scalar(select(func.count()).select_from(models.Item)) == 2


def test_same_external_id_in_two_sources_is_two_items(archive: Archive) -> None:
    setup_sources(archive)
    store(archive, item_page(item()), source="kuopio")
    store(archive, item_page(item()), source="espoo", url="https://espoo.example/1")
    assert _count(archive, models.Item) == 2
    assert _item(archive, "2024101-3", "espoo").source_id != _item(archive, "2024101-3").source_id


def test_natural_keys_are_unique_in_the_database(archive: Archive) -> None:
    setup_sources(archive)
    store(archive, item_page(item()))
    existing = _item(archive, "2024101-3")
    with pytest.raises(IntegrityError), archive.session() as session:
        session.add(
            models.Item(
                source_id=existing.source_id,
                external_id="2024101-3",
                title="duplicate",
                url="u",
                language="fi",
                first_seen=T0,
                last_changed=T0,
                content_hash="x",
            )
        )
        session.flush()
    with pytest.raises(IntegrityError), archive.session() as session:
        session.add(
            models.Section(item_id=existing.id, ordinal=1, kind="other", heading="", text="")
        )
        session.flush()


def test_duplicate_attachment_urls_keep_the_first_and_stay_unchanged(archive: Archive) -> None:
    setup_sources(archive)
    record = item(
        attachments=(Attachment("https://a/1.pdf", "Liite 1"), Attachment("https://a/1.pdf", "x"))
    )
    store(archive, item_page(record))
    again = store(archive, item_page(record), at=T1)
    assert again.unchanged == 1
    with archive.session() as session:
        assert session.scalars(select(models.Attachment.title)).all() == ["Liite 1"]
