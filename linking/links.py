"""Links between items: the same case, and similar decisions in other municipalities.

* ``same_case``: items of one source (one organisation: lautakunta → kaupunginhallitus →
  valtuusto) that share a normalised diary number, linked earlier → later in meeting
  order (consecutive pairs, so a case is a chain).
* ``similar``: TF-IDF (scikit-learn) over each item's lemma + compound-part terms
  (``document_terms``, stored in item_terms by linking.membership), cosine similarity,
  the top ``k`` items of *other* municipalities above ``threshold``; the evidence is
  the terms that contribute most to the similarity.

``rebuild_links`` replaces both kinds; ``update_links`` recomputes only what the
changed items touch. Both read stored terms only, so they need no text analysis (run
linking.membership.refresh first).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import pairwise
from typing import Any, TypeVar

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from analysis.finnish import WordAnalysis
from linking.topics import TITLE, AnalysedSection
from storage import models
from storage.filters import meeting_date_column

_T = TypeVar("_T")

SAME_CASE = "same_case"
SIMILAR = "similar"
DEFAULT_K = 5
# Measured on the fixtures (tests/test_linking.py): the two family-centre seeds reach
# ~0.3; unrelated decisions that share only everyday service vocabulary stay below ~0.1.
DEFAULT_THRESHOLD = 0.15
EVIDENCE_TERMS = 10
CHUNK_CELLS = 4_000_000  # similarity cells computed at once (32 MB of float64)
TITLE_REPEAT = 2  # title terms count twice: a title says what the decision is about

# Sections whose words say what was decided; names, distribution and appeal boilerplate
# would make every item of a municipality look alike.
CONTENT_KINDS = frozenset(
    {TITLE, "selostus", "paatosehdotus", "paatos", "kasittely", "paatoshistoria", "other"}
)
# Lemmas that every decision uses (function words and the vocabulary of minutes).
_STOP_TEXT = """
    ja tai sekä eli että kuin jos kun kuten mutta vaan myös vielä jo ei olla tulla voida
    saada tehdä pitää se tämä tuo joka mikä kuka ne nämä he hän me oma itse muu eri kaikki
    osa mukaan lisäksi osalta osin siten niin näin sitä jotta koska vuosi päivä aika
    kaupunki kunta lautakunta kaupunginhallitus kunnanhallitus valtuusto kaupunginvaltuusto
    kunnanvaltuusto hallitus päätös päättää päätösehdotus ehdotus esitys esittää asia
    hyväksyä hyväksyminen merkitä tiedoksi käsitellä käsittely kokous pöytäkirja pykälä
    liite oheismateriaali valmistelija esittelijä puheenjohtaja jäsen yksimielisesti
"""
STOP_LEMMAS = frozenset(_STOP_TEXT.split())


def _keep(term: str) -> bool:
    return len(term) >= 3 and not any(ch.isdigit() for ch in term) and term not in STOP_LEMMAS


def document_terms(sections: Sequence[AnalysedSection]) -> list[str]:
    """The TF-IDF terms of an analysed item: lemmas and compound parts of its content
    sections (title terms repeated), stop lemmas and numbers left out."""
    terms: list[str] = []
    for section in sections:
        if section.kind not in CONTENT_KINDS:
            continue
        repeat = TITLE_REPEAT if section.kind == TITLE else 1
        for _surface, analysis in section.tokens:
            terms.extend(_word_terms(analysis) * repeat)
    return terms


@lru_cache(maxsize=200_000)
def _word_terms(analysis: WordAnalysis) -> tuple[str, ...]:
    lemmas = [t for t in analysis.lemmas if _keep(t)]
    if not lemmas:  # a stop word: its parts would only add noise
        return ()
    return (*lemmas, *(p for p in analysis.parts if _keep(p)))


# --- computing --------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseItem:
    item_id: int
    source_id: int
    diary_number: str
    meeting_date: date | None
    paragraph: str | None


def _paragraph_key(paragraph: str | None) -> tuple[int, str]:
    digits = "".join(ch for ch in (paragraph or "").split(" ")[0] if ch.isdigit())
    return (int(digits) if digits else 0, paragraph or "")


def same_case_pairs(items: Iterable[CaseItem]) -> list[tuple[int, int, str]]:
    """(earlier item, later item, diary number): consecutive items of one case."""
    cases: dict[tuple[int, str], list[CaseItem]] = {}
    for item in items:
        cases.setdefault((item.source_id, item.diary_number), []).append(item)
    pairs: list[tuple[int, int, str]] = []
    for (_source, diary), members in cases.items():
        if len(members) < 2:
            continue
        members.sort(
            key=lambda i: (i.meeting_date or date.min, _paragraph_key(i.paragraph), i.item_id)
        )
        pairs.extend((a.item_id, b.item_id, diary) for a, b in pairwise(members))
    return pairs


@dataclass(frozen=True)
class SimilarPair:
    from_index: int
    to_index: int
    score: float
    shared: list[str]


@dataclass(frozen=True)
class _Model:
    """TF-IDF rows (l2-normalised, so a dot product is the cosine) and their groups."""

    matrix: Any  # csr: documents × terms
    transposed: Any  # csc: terms × documents
    vocabulary: Any
    group_ids: Any  # per document, the index of its group

    @property
    def size(self) -> int:
        return int(self.matrix.shape[0])

    def pair(self, a: int, b: int, score: float) -> SimilarPair:
        """The pair a → b with the terms that contribute most to its cosine."""
        terms_a, weights_a = self._row(a)
        terms_b, weights_b = self._row(b)
        common, in_a, in_b = np.intersect1d(
            terms_a, terms_b, assume_unique=True, return_indices=True
        )
        products = weights_a[in_a] * weights_b[in_b]
        # Ties in alphabetical order (the vocabulary is sorted), not in the order the
        # terms happen to stand in the rows, so evidence does not depend on that.
        order = np.lexsort((common, -products))[:EVIDENCE_TERMS]
        return SimilarPair(a, b, score, [str(self.vocabulary[common[i]]) for i in order])

    def _row(self, index: int) -> tuple[Any, Any]:
        """(term indices, weights) of one row, read from the CSR arrays: slicing a scipy
        row costs ~50x more."""
        start, stop = self.matrix.indptr[index], self.matrix.indptr[index + 1]
        return self.matrix.indices[start:stop], self.matrix.data[start:stop]


def _fit(documents: Sequence[str], groups: Sequence[str]) -> _Model | None:
    if len(documents) < 2 or not any(documents):
        return None
    vectorizer = TfidfVectorizer(analyzer=str.split, sublinear_tf=True, norm="l2", dtype=np.float64)
    try:
        matrix = vectorizer.fit_transform(documents).tocsr()
    except ValueError:  # every document empty
        return None
    return _Model(
        matrix,
        matrix.T.tocsc(),
        vectorizer.get_feature_names_out(),
        np.unique(np.asarray(groups), return_inverse=True)[1],
    )


def _neighbours(
    model: _Model, rows: Sequence[int], threshold: float, chunk_cells: int
) -> Iterator[tuple[int, Any, Any]]:
    """(row, candidates best first, their scores) for each of ``rows``: the documents of
    other groups scoring ≥ ``threshold``; ties go to the lower index."""
    per_chunk = max(1, chunk_cells // model.size)
    for start in range(0, len(rows), per_chunk):
        chunk = list(rows[start : start + per_chunk])
        sims = (model.matrix[chunk] @ model.transposed).toarray()
        for offset, index in enumerate(chunk):
            row = sims[offset]
            row[model.group_ids == model.group_ids[index]] = -1.0  # same group (and itself)
            candidates = np.flatnonzero((row >= threshold) & (row > 0.0))
            best = candidates[np.argsort(-row[candidates], kind="stable")]
            yield index, best, row[best]


def similar_pairs(
    documents: Sequence[str],
    groups: Sequence[str],
    *,
    k: int = DEFAULT_K,
    threshold: float = DEFAULT_THRESHOLD,
    chunk_cells: int = CHUNK_CELLS,
) -> list[SimilarPair]:
    """For each document (space-separated terms), its top ``k`` neighbours by TF-IDF
    cosine among documents of another group (municipality) scoring ≥ ``threshold``."""
    model = _fit(documents, groups)
    if model is None:
        return []
    return [
        model.pair(index, int(other), float(score))
        for index, best, scores in _neighbours(model, range(model.size), threshold, chunk_cells)
        for other, score in zip(best[:k], scores[:k], strict=True)
    ]


# --- storing ----------------------------------------------------------------------------


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
    model = _fit([d[1] for d in docs], [d[2] for d in docs])
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
    for index, best, scores in _neighbours(model, redo_rows, threshold, CHUNK_CELLS):
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
    model: _Model,
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


# --- reading ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LinkedItem:
    kind: str  # same_case / similar
    direction: str  # same_case: "earlier" / "later"; similar: "out" / "in" / "both"
    item_id: str  # stable "<source>:<external id>"
    municipality: str | None
    body: str | None
    meeting_date: date | None
    paragraph: str | None
    title: str
    score: float
    evidence: dict[str, Any]


def _describe(session: Session, item_ids: Iterable[int]) -> dict[int, tuple[Any, ...]]:
    ids = list(set(item_ids))
    if not ids:
        return {}
    date_col = meeting_date_column()
    return {
        row[0]: tuple(row[1:])
        for row in session.execute(
            select(
                models.Item.id,
                models.Source.name,
                models.Item.external_id,
                models.Municipality.name_fi,
                models.Body.name,
                date_col,
                models.Item.paragraph,
                models.Item.title,
            )
            .join(models.Source, models.Source.id == models.Item.source_id)
            .outerjoin(
                models.Municipality, models.Municipality.code == models.Source.municipality_code
            )
            .outerjoin(models.Meeting, models.Meeting.id == models.Item.meeting_id)
            .outerjoin(
                models.Body,
                models.Body.id == func.coalesce(models.Item.body_id, models.Meeting.body_id),
            )
            .where(models.Item.id.in_(ids))
        )
    }


def _case_chain(session: Session, item_id: int) -> list[tuple[int, int]]:
    """The same_case links of the item's whole case (walked both ways)."""
    seen = {item_id}
    frontier = [item_id]
    links: set[tuple[int, int]] = set()
    while frontier and len(seen) < 500:
        found = session.execute(
            select(models.Link.from_item_id, models.Link.to_item_id).where(
                models.Link.kind == SAME_CASE,
                or_(
                    models.Link.from_item_id.in_(frontier),
                    models.Link.to_item_id.in_(frontier),
                ),
            )
        ).all()
        frontier = []
        for a, b in found:
            links.add((a, b))
            for node in (a, b):
                if node not in seen:
                    seen.add(node)
                    frontier.append(node)
    return sorted(links)


def item_links(session: Session, item_id: int) -> list[LinkedItem]:
    """Both kinds for one item (database id): the other items of its case in meeting
    order, then its similar decisions in other municipalities, most similar first."""
    chain = _case_chain(session, item_id)
    order: list[int] = []
    for a, b in chain:  # a chain's links, earlier → later; rebuild the item order
        for node in (a, b):
            if node not in order:
                order.append(node)
    diaries = {
        found_id: diary
        for found_id, diary in session.execute(
            select(models.Item.id, models.Item.diary_number_normalised).where(
                models.Item.id.in_(order)
            )
        )
    }
    successors = dict(chain)
    predecessors = {b: a for a, b in chain}
    start = next((n for n in order if n not in predecessors), None)
    ordered: list[int] = []
    while start is not None and start not in ordered:
        ordered.append(start)
        start = successors.get(start)
    ordered += [n for n in order if n not in ordered]
    similar: dict[int, tuple[str, float, dict[str, Any]]] = {}
    for from_id, to_id, score, evidence in session.execute(
        select(
            models.Link.from_item_id,
            models.Link.to_item_id,
            models.Link.score,
            models.Link.evidence,
        ).where(
            models.Link.kind == SIMILAR,
            or_(models.Link.from_item_id == item_id, models.Link.to_item_id == item_id),
        )
    ):
        other, direction = (to_id, "out") if from_id == item_id else (from_id, "in")
        if other in similar:
            direction = "both"
        similar[other] = (direction, max(score, similar.get(other, ("", 0.0, {}))[1]), evidence)
    info = _describe(session, [*ordered, *similar])
    own = ordered.index(item_id) if item_id in ordered else -1
    out: list[LinkedItem] = []
    for position, other in enumerate(ordered):
        if other == item_id:
            continue
        src, ext, muni, body, day, para, title = info[other]
        out.append(
            LinkedItem(
                SAME_CASE,
                "earlier" if position < own else "later",
                f"{src}:{ext}",
                muni,
                body,
                day,
                para,
                title,
                1.0,
                {"diary_number": diaries.get(other)},
            )
        )
    for other, (direction, score, evidence) in sorted(similar.items(), key=lambda x: -x[1][1]):
        src, ext, muni, body, day, para, title = info[other]
        out.append(
            LinkedItem(
                SIMILAR, direction, f"{src}:{ext}", muni, body, day, para, title, score, evidence
            )
        )
    return out


def resolve_item_id(session: Session, stable_id: str) -> int | None:
    """The database id of "<source>:<external id>"."""
    source, _, external_id = stable_id.partition(":")
    return session.scalar(
        select(models.Item.id)
        .join(models.Source, models.Source.id == models.Item.source_id)
        .where(models.Source.name == source, models.Item.external_id == external_id)
    )
