"""Links kept current without a rebuild (linking.links.update_links): after items change,
an update must leave the same links that a rebuild from scratch computes."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pykala.linking.links import (
    SimilarSettings,
    rebuild_links,
    stored_settings,
    update_links,
)
from pykala.linking.membership import refresh
from pykala.linking.similarity import SAME_CASE, SIMILAR
from pykala.linking.update import update_archive
from pykala.parsers.records import ItemRecord, Section, SectionKind
from pykala.storage import models
from pykala.storage.db import Archive
from pykala.storage.views import get_item
from tests import storagekit
from tests.linkingkit import KUOPIO_SEED, MIKKELI_SEED, item_db_id, load_acceptance_archive

# Everyday words of minutes: real Finnish, so Voikko analyses them as it would in use.
_WORDS = (
    "perhekeskus lapsi nuori koulu päiväkoti kirjasto liikunta uimahalli katu silta "
    "kaava tontti vesihuolto jätevesi sähkö lämpö terveysasema vanhus hoiva kotihoito "
    "vammainen työllisyys yritys matkailu metsä järvi ranta kulttuuri museo teatteri "
    "musiikki nuorisotalo avustus investointi laina vuokra asunto kiinteistö"
)
WORDS = _WORDS.split()
SOURCES = ("kuopio", "espoo", "aanekoski")
K, THRESHOLD = 2, 0.1  # small k, low threshold: many links, and many pushed out


def _stored_links(session: Session) -> set[tuple[Any, ...]]:
    return {
        (kind, a, b, round(score, 3), str(evidence))
        for kind, a, b, score, evidence in session.execute(
            select(
                models.Link.kind,
                models.Link.from_item_id,
                models.Link.to_item_id,
                models.Link.score,
                models.Link.evidence,
            )
        )
    }


def _record(n: int, rng: random.Random, diary: str) -> ItemRecord:
    return storagekit.item(
        f"2024{n:03d}-1",
        " ".join(rng.sample(WORDS, 3)).capitalize(),
        selostus=" ".join(rng.choice(WORDS) for _ in range(12)) + ".",
        meeting_date=date(2024, 1, 1 + n % 28),
        diary_number=diary,
    )


def _store(archive: Archive, source: str, record: ItemRecord, at: Any = storagekit.T0) -> None:
    url = f"https://{source}.example/{record.external_id}"
    storagekit.store(archive, storagekit.item_page(replace(record, url=url)), source=source, at=at)


def test_an_update_leaves_the_links_a_rebuild_computes(archive: Archive) -> None:
    """Items swap their texts (so every term keeps its document frequency and the TF-IDF
    weights stay the same) and change their diary numbers; the update's links must then
    equal the rebuild's, scores and evidence included."""
    rng = random.Random(5)
    storagekit.setup_sources(archive)
    records: dict[int, tuple[str, ItemRecord]] = {}
    for n in range(45):
        source = SOURCES[n % 3]
        records[n] = (source, _record(n, rng, f"{n % 7}/00.00.00/2024"))
        _store(archive, *records[n])
    with archive.session() as session:
        refresh(session, ())
        rebuild_links(session, k=K, threshold=THRESHOLD)
        before = _stored_links(session)
    for a, b in ((0, 4), (7, 20), (11, 12), (30, 44)):  # swap title and texts
        (source_a, ra), (source_b, rb) = records[a], records[b]
        records[a] = (source_a, replace(ra, title=rb.title, sections=rb.sections))
        records[b] = (source_b, replace(rb, title=ra.title, sections=ra.sections))
    # 43 is the middle of the chain 1 → 43 → 22 (one source, one diary number, by date):
    # the update must chain 1 → 22.
    moves = ((3, "5/00.00.00/2024"), (9, "99/00.00.00/2024"), (7, None), (43, "77/00.00.00/2024"))
    for n, diary in moves:
        source, record = records[n]
        records[n] = (source, replace(record, diary_number=diary, diary_number_normalised=diary))
    changed = (0, 4, 7, 20, 11, 12, 30, 44, 3, 9, 43)
    for n in changed:
        _store(archive, *records[n], at=storagekit.T1)
    with archive.session() as session:
        analysed = refresh(session, ()).analysed_item_ids
        assert len(analysed) == len(changed)
        report = update_links(session, analysed, k=K, threshold=THRESHOLD)
        updated = _stored_links(session)
        rebuild_links(session, k=K, threshold=THRESHOLD)
        rebuilt = _stored_links(session)
    assert updated == rebuilt
    assert updated != before  # the changes moved links: the test compares something
    assert report.changed == len(changed) and report.relinked > len(changed)
    kinds = {link[0] for link in before ^ rebuilt}
    assert kinds == {SAME_CASE, SIMILAR}


def test_a_new_decision_enters_the_links_of_the_decisions_it_resembles(
    archive: Archive,
) -> None:
    """The acceptance archive, then a third family-centre decision (Espoo): the update
    links it both ways with the seeds, as a rebuild does."""
    load_acceptance_archive(archive)
    with archive.session() as session:
        refresh(session, ())
        rebuild_links(session)
        kuopio_seed = item_db_id(session, KUOPIO_SEED)
    mikkeli = _item_record(archive, MIKKELI_SEED)
    espoo = replace(mikkeli, external_id="2024-55", url="https://espoo.example/perhekeskus")
    storagekit.store(archive, storagekit.item_page(espoo), source="espoo", at=storagekit.T1)
    with archive.session() as session:
        analysed = refresh(session, ()).analysed_item_ids
        update_links(session, analysed)
        updated = _stored_links(session)
        rebuild_links(session)
        rebuilt = _stored_links(session)
        new_id = item_db_id(session, "espoo:2024-55")
    pairs = {(a, b) for kind, a, b, *_ in updated if kind == SIMILAR}
    assert {(new_id, kuopio_seed), (kuopio_seed, new_id)} <= pairs
    assert {link[:3] for link in updated} == {link[:3] for link in rebuilt}


def test_update_archive_updates_a_few_changes_and_rebuilds_for_many(
    sqlite_archive: Archive,
) -> None:
    rng = random.Random(9)
    storagekit.setup_sources(sqlite_archive)
    for n in range(12):
        _store(sqlite_archive, SOURCES[n % 3], _record(n, rng, f"{n}/00.00.00/2024"))
    first = update_archive(sqlite_archive).links
    assert first is not None and first.changed is None  # everything new: a rebuild
    assert update_archive(sqlite_archive).links is None  # nothing changed
    _store(sqlite_archive, "espoo", _record(1, rng, "1/00.00.00/2024"), at=storagekit.T1)
    one = update_archive(sqlite_archive).links
    assert one is not None and one.changed == 1
    assert one.summary().endswith(f"written for 1 changed items ({one.relinked} relinked)")


def _item_record(archive: Archive, stable_id: str) -> ItemRecord:
    """An ItemRecord with the title and sections stored for ``stable_id``."""
    with archive.session() as session:
        view = get_item(session, stable_id)
    assert view is not None, stable_id
    base = storagekit.item(title=view.title, diary_number=None)
    return replace(
        base,
        sections=tuple(
            Section(SectionKind(s.kind), s.heading, s.text, s.presenter) for s in view.sections
        ),
    )


def test_an_update_keeps_the_settings_of_the_last_rebuild(sqlite_archive: Archive) -> None:
    # `pykala links --k 1` rebuilds with k = 1; the next harvest's update must go on with
    # k = 1 (not the default), and leave what a k = 1 rebuild leaves.
    rng = random.Random(5)
    storagekit.setup_sources(sqlite_archive)
    for n in range(15):
        _store(sqlite_archive, SOURCES[n % 3], _record(n, rng, f"{n}/00.00.00/2024"))
    update_archive(sqlite_archive)
    settings = update_archive(sqlite_archive, k=1, threshold=0.05).links
    assert settings is not None and settings.changed is None  # other settings: a rebuild
    assert update_archive(sqlite_archive, k=1, threshold=0.05).links is None  # same: nothing
    _store(sqlite_archive, "espoo", _record(1, rng, "1/00.00.00/2024"), at=storagekit.T1)
    update = update_archive(sqlite_archive).links
    assert update is not None and update.changed == 1
    with sqlite_archive.session() as session:
        updated = _stored_links(session)
        assert stored_settings(session) == SimilarSettings(k=1, threshold=0.05)
        changed = item_db_id(session, "espoo:2024001-1")
        # With the defaults (k = 5) the changed item would keep several.
        update_links(session, [changed])
        defaults = _stored_links(session)
    per_item: dict[int, int] = {}
    for kind, a, *_ in updated:
        if kind == SIMILAR:
            per_item[a] = per_item.get(a, 0) + 1
    assert per_item[changed] == 1
    assert max(per_item.values()) == 1
    assert sum(1 for kind, a, *_ in defaults if kind == SIMILAR and a == changed) > 1
