"""Storing links: ``rebuild_links`` replaces every same_case and similar link,
``update_links`` recomputes only what the changed items touch, and the archive keeps the
``k`` and ``threshold`` they were computed with (``stored_settings``).

What is linked is computed in ``linking.similarity`` (pure); this module reads the items'
diary numbers and stored terms (``item_terms``, written by linking.membership: run
linking.membership.refresh first, no text analysis happens here) and writes ``link`` rows.
Reading links back for one item is ``linking.linkview``; ``item_links``,
``resolve_item_id`` and ``LinkedItem`` stay importable from here for older callers.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from pykala.linking.similarity import (
    CHUNK_CELLS,
    DEFAULT_K,
    DEFAULT_THRESHOLD,
    SAME_CASE,
    SIMILAR,
    CaseItem,
    SimilarPair,
    TfidfModel,
    fit_model,
    neighbours,
    same_case_pairs,
    similar_pairs,
)
from pykala.storage import models
from pykala.storage.filters import meeting_date_column

__all__ = ["LinkReport", "SimilarSettings", "rebuild_links", "stored_settings", "update_links"]

_T = TypeVar("_T")


@dataclass(frozen=True)
class SimilarSettings:
    """How similar links are chosen: the top ``k`` per item scoring ≥ ``threshold``."""

    k: int = DEFAULT_K
    threshold: float = DEFAULT_THRESHOLD


def stored_settings(session: Session) -> SimilarSettings:
    """The settings the archive's similar links were computed with (the defaults for an
    archive that never stored any)."""
    row = session.get(models.LinkSettings, 1)
    return SimilarSettings(row.k, row.threshold) if row else SimilarSettings()


def _store_settings(session: Session, settings: SimilarSettings) -> None:
    session.merge(models.LinkSettings(id=1, k=settings.k, threshold=settings.threshold))


@dataclass
class LinkReport:
    same_case: int = 0  # links written
    similar: int = 0
    items: int = 0  # items with terms in the archive
    changed: int | None = None  # items an update started from; None = a full rebuild
    relinked: int = 0  # items whose similar links an update recomputed or extended

    def summary(self) -> str:
        written = f"{self.same_case} same-case and {self.similar} similar links"
        if self.changed is None:
            return written
        return f"{written} written for {self.changed} changed items ({self.relinked} relinked)"


def _chunks(values: Sequence[_T], size: int = 500) -> Iterator[list[_T]]:
    """``values`` in lists of ``size``: bound parameters of an IN list per statement."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def _case_items(session: Session, diaries: Collection[str] | None = None) -> list[CaseItem]:
    """Items with a diary number (only those numbers when given)."""
    stmt = (
        select(
            models.Item.id,
            models.Item.source_id,
            models.Item.diary_number_normalised,
            meeting_date_column(),
            models.Item.paragraph,
        )
        .outerjoin(models.Meeting, models.Meeting.id == models.Item.meeting_id)
        .where(models.Item.diary_number_normalised.is_not(None))
    )
    if diaries is None:
        batches: Iterable[Any] = [session.execute(stmt)]
    else:
        batches = (
            session.execute(stmt.where(models.Item.diary_number_normalised.in_(batch)))
            for batch in _chunks(sorted(diaries))
        )
    return [CaseItem(*row) for batch in batches for row in batch if row[2]]


def _same_case_rows(items: Iterable[CaseItem]) -> list[dict[str, Any]]:
    return [
        {
            "kind": SAME_CASE,
            "from_item_id": a,
            "to_item_id": b,
            "score": 1.0,
            "evidence": {"diary_number": diary},
        }
        for a, b, diary in same_case_pairs(items)
    ]


def _similar_row(pair: SimilarPair, ids: Sequence[int]) -> dict[str, Any]:
    return {
        "kind": SIMILAR,
        "from_item_id": ids[pair.from_index],
        "to_item_id": ids[pair.to_index],
        "score": round(pair.score, 4),
        "evidence": {"shared_terms": pair.shared},
    }


def _term_documents(session: Session) -> list[tuple[int, str, str]]:
    """(item id, terms, group) of every analysed item; group = its municipality."""
    return [
        (item_id, terms, group)
        for item_id, terms, group in session.execute(
            select(
                models.ItemTerms.item_id,
                models.ItemTerms.terms,
                func.coalesce(models.Source.municipality_code, "source:" + models.Source.name),
            )
            .join(models.Item, models.Item.id == models.ItemTerms.item_id)
            .join(models.Source, models.Source.id == models.Item.source_id)
            .order_by(models.ItemTerms.item_id)
        )
    ]


def rebuild_links(
    session: Session, *, k: int = DEFAULT_K, threshold: float = DEFAULT_THRESHOLD
) -> LinkReport:
    """Recompute every same_case and similar link from the items and their stored terms,
    and store ``k`` and ``threshold`` as the archive's settings (see stored_settings)."""
    session.execute(delete(models.Link).where(models.Link.kind.in_([SAME_CASE, SIMILAR])))
    _store_settings(session, SimilarSettings(k, threshold))
    rows = _same_case_rows(_case_items(session))
    report = LinkReport(same_case=len(rows))
    docs = _term_documents(session)
    report.items = len(docs)
    ids = [d[0] for d in docs]
    pairs = similar_pairs([d[1] for d in docs], [d[2] for d in docs], k=k, threshold=threshold)
    rows.extend(_similar_row(pair, ids) for pair in pairs)
    report.similar = len(pairs)
    if rows:
        session.execute(insert(models.Link), rows)
    session.flush()
    return report


def update_links(
    session: Session,
    changed_item_ids: Collection[int],
    *,
    k: int = DEFAULT_K,
    threshold: float = DEFAULT_THRESHOLD,
) -> LinkReport:
    """Bring the links up to date after ``changed_item_ids`` were added or changed,
    leaving every other link as it is: a nightly harvest changes a few items of a large
    archive, and a rebuild compares every item with every other.

    Recomputed: the cases (diary numbers) the changed items are in now or were in, the
    similar decisions of the changed items and of the items that listed one of them;
    a changed item also enters the top ``k`` of any other item it now beats. The result is
    what rebuild_links gives, except that links left alone keep the TF-IDF weights of the
    corpus they were computed on (``pykala links --rebuild`` recomputes all).
    """
    changed = set(changed_item_ids)
    report = LinkReport(changed=len(changed))
    if not changed:
        return report
    _update_cases(session, changed, report)
    _update_similar(session, changed, report, k=k, threshold=threshold)
    session.flush()
    return report


def _update_cases(session: Session, changed: set[int], report: LinkReport) -> None:
    # The cases touched: the changed items' (new) diary numbers and those of the items
    # they were chained to (their old numbers' cases lose a link in the middle).
    touched = set(changed)
    for batch in _chunks(sorted(changed)):
        for a, b in session.execute(
            select(models.Link.from_item_id, models.Link.to_item_id).where(
                models.Link.kind == SAME_CASE,
                or_(models.Link.from_item_id.in_(batch), models.Link.to_item_id.in_(batch)),
            )
        ):
            touched.update((a, b))
    diaries: set[str] = set()
    for batch in _chunks(sorted(touched)):
        diaries.update(
            d
            for d in session.scalars(
                select(models.Item.diary_number_normalised).where(models.Item.id.in_(batch))
            )
            if d
        )
    items = _case_items(session, diaries)
    touched.update(i.item_id for i in items)
    for batch in _chunks(sorted(touched)):
        session.execute(
            delete(models.Link).where(
                models.Link.kind == SAME_CASE,
                or_(models.Link.from_item_id.in_(batch), models.Link.to_item_id.in_(batch)),
            )
        )
    rows = _same_case_rows(items)
    if rows:
        session.execute(insert(models.Link), rows)
    report.same_case = len(rows)


def _update_similar(
    session: Session, changed: set[int], report: LinkReport, *, k: int, threshold: float
) -> None:
    docs = _term_documents(session)
    report.items = len(docs)
    model = fit_model([d[1] for d in docs], [d[2] for d in docs])
    ids = [d[0] for d in docs]
    position = {item_id: n for n, item_id in enumerate(ids)}
    # Items whose own top k is recomputed: the changed ones and those that listed one.
    listed_by: set[int] = set()
    for batch in _chunks(sorted(changed)):
        listed_by.update(
            session.scalars(
                select(models.Link.from_item_id).where(
                    models.Link.kind == SIMILAR, models.Link.to_item_id.in_(batch)
                )
            )
        )
    redo = changed | listed_by
    for batch in _chunks(sorted(redo)):
        session.execute(
            delete(models.Link).where(
                models.Link.kind == SIMILAR, models.Link.from_item_id.in_(batch)
            )
        )
    if model is None:
        return
    rows: list[dict[str, Any]] = []
    offers: dict[int, list[tuple[float, int]]] = {}  # other item → (score, changed item)
    redo_rows = sorted(position[i] for i in redo if i in position)
    for index, best, scores in neighbours(model, redo_rows, threshold, CHUNK_CELLS):
        rows.extend(
            _similar_row(model.pair(index, int(o), float(s)), ids)
            for o, s in zip(best[:k], scores[:k], strict=True)
        )
        if ids[index] in changed:
            for other, score in zip(best, scores, strict=True):
                if ids[int(other)] not in redo:
                    offers.setdefault(int(other), []).append((float(score), index))
    accepted = _accept_offers(session, model, ids, offers, k)
    rows.extend(accepted)
    report.relinked = len(redo_rows) + len({row["from_item_id"] for row in accepted})
    report.similar = len(rows)
    if rows:
        session.execute(insert(models.Link), rows)


def _accept_offers(
    session: Session,
    model: TfidfModel,
    ids: Sequence[int],
    offers: dict[int, list[tuple[float, int]]],
    k: int,
) -> list[dict[str, Any]]:
    """Add a changed item to another item's top k where it scores higher than the k-th;
    the links it pushes out are deleted. Returns the rows to insert."""
    kept: dict[int, list[tuple[int, int, float]]] = {}  # item → (link id, to item, score)
    others = [ids[n] for n in offers]
    for batch in _chunks(sorted(others)):
        for link_id, from_id, to_id, score in session.execute(
            select(
                models.Link.id, models.Link.from_item_id, models.Link.to_item_id, models.Link.score
            ).where(models.Link.kind == SIMILAR, models.Link.from_item_id.in_(batch))
        ):
            kept.setdefault(from_id, []).append((link_id, to_id, score))
    rows: list[dict[str, Any]] = []
    dropped: list[int] = []
    for other, offered in offers.items():
        stored = kept.get(ids[other], [])
        # Rank as rebuild_links does: higher score first, then the lower item id.
        # An entry: (-score, to item, stored link id or None, offered row or -1).
        entries: list[tuple[float, int, int | None, int]] = [
            (-score, to_id, stored_id, -1) for stored_id, to_id, score in stored
        ]
        entries += [(-round(score, 4), ids[index], None, index) for score, index in offered]
        entries.sort(key=lambda e: (e[0], e[1]))
        for rank, (neg_score, _to_id, stored_id, index) in enumerate(entries):
            if rank >= k and stored_id is not None:
                dropped.append(stored_id)
            elif rank < k and stored_id is None:
                rows.append(_similar_row(model.pair(other, index, -neg_score), ids))
    for batch in _chunks(sorted(dropped)):
        session.execute(delete(models.Link).where(models.Link.id.in_(batch)))
    return rows
