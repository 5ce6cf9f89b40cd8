"""Links between items: the same case, and similar decisions in other municipalities.

* ``same_case``: items of one source (one organisation: lautakunta → kaupunginhallitus →
  valtuusto) that share a normalised diary number, linked earlier → later in meeting
  order (consecutive pairs, so a case is a chain).
* ``similar``: TF-IDF (scikit-learn) over each item's lemma + compound-part terms
  (``document_terms``, stored in item_terms by linking.membership), cosine similarity,
  the top ``k`` items of *other* municipalities above ``threshold``; the evidence is
  the terms that contribute most to the similarity.

``rebuild_links`` replaces both kinds in one transaction; it reads stored terms only, so
it needs no text analysis (run linking.membership.refresh first).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import pairwise
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.orm import Session

from linking.finnish import WordAnalysis
from linking.topics import TITLE, AnalysedSection
from storage import models
from storage.filters import meeting_date_column

SAME_CASE = "same_case"
SIMILAR = "similar"
DEFAULT_K = 5
# Measured on the fixtures (tests/test_linking.py): the two family-centre seeds reach
# ~0.3; unrelated decisions that share only everyday service vocabulary stay below ~0.1.
DEFAULT_THRESHOLD = 0.15
EVIDENCE_TERMS = 10
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


def similar_pairs(
    documents: Sequence[str],
    groups: Sequence[str],
    *,
    k: int = DEFAULT_K,
    threshold: float = DEFAULT_THRESHOLD,
    chunk_cells: int = 4_000_000,
) -> list[SimilarPair]:
    """For each document (space-separated terms), its top ``k`` neighbours by TF-IDF
    cosine among documents of another group (municipality) scoring ≥ ``threshold``."""
    n = len(documents)
    if n < 2 or not any(documents):
        return []
    vectorizer = TfidfVectorizer(analyzer=str.split, sublinear_tf=True, norm="l2", dtype=np.float64)
    try:
        matrix = vectorizer.fit_transform(documents).tocsr()
    except ValueError:  # every document empty
        return []
    vocabulary = vectorizer.get_feature_names_out()
    group_ids = np.unique(np.asarray(groups), return_inverse=True)[1]
    transposed = matrix.T.tocsc()
    rows_per_chunk = max(1, chunk_cells // n)
    pairs: list[SimilarPair] = []
    for start in range(0, n, rows_per_chunk):
        stop = min(n, start + rows_per_chunk)
        sims = (matrix[start:stop] @ transposed).toarray()
        for offset in range(stop - start):
            row = sims[offset]
            index = start + offset
            row[group_ids == group_ids[index]] = -1.0  # same municipality (and itself)
            candidates = np.flatnonzero((row >= threshold) & (row > 0.0))
            if candidates.size == 0:
                continue
            best = candidates[np.argsort(-row[candidates], kind="stable")][:k]
            for other in best:
                shared = _shared_terms(matrix, index, int(other), vocabulary)
                pairs.append(SimilarPair(index, int(other), float(row[other]), shared))
    return pairs


def _shared_terms(matrix: Any, a: int, b: int, vocabulary: Any) -> list[str]:
    """The terms that contribute most to the cosine of rows a and b."""
    product = matrix[a].multiply(matrix[b]).tocoo()
    order = np.argsort(-product.data, kind="stable")[:EVIDENCE_TERMS]
    return [str(vocabulary[product.col[i]]) for i in order]


# --- storing ----------------------------------------------------------------------------


@dataclass
class LinkReport:
    same_case: int = 0
    similar: int = 0
    items: int = 0


def rebuild_links(
    session: Session, *, k: int = DEFAULT_K, threshold: float = DEFAULT_THRESHOLD
) -> LinkReport:
    """Recompute every same_case and similar link from the items and their stored terms."""
    session.execute(delete(models.Link).where(models.Link.kind.in_([SAME_CASE, SIMILAR])))
    report = LinkReport()
    date_col = meeting_date_column()
    case_items = [
        CaseItem(item_id, source_id, diary, day, paragraph)
        for item_id, source_id, diary, day, paragraph in session.execute(
            select(
                models.Item.id,
                models.Item.source_id,
                models.Item.diary_number_normalised,
                date_col,
                models.Item.paragraph,
            )
            .outerjoin(models.Meeting, models.Meeting.id == models.Item.meeting_id)
            .where(models.Item.diary_number_normalised.is_not(None))
        )
        if diary
    ]
    rows: list[dict[str, Any]] = [
        {
            "kind": SAME_CASE,
            "from_item_id": a,
            "to_item_id": b,
            "score": 1.0,
            "evidence": {"diary_number": diary},
        }
        for a, b, diary in same_case_pairs(case_items)
    ]
    report.same_case = len(rows)
    docs = session.execute(
        select(
            models.ItemTerms.item_id,
            models.ItemTerms.terms,
            func.coalesce(models.Source.municipality_code, "source:" + models.Source.name),
        )
        .join(models.Item, models.Item.id == models.ItemTerms.item_id)
        .join(models.Source, models.Source.id == models.Item.source_id)
        .order_by(models.ItemTerms.item_id)
    ).all()
    report.items = len(docs)
    for pair in similar_pairs([d[1] for d in docs], [d[2] for d in docs], k=k, threshold=threshold):
        rows.append(
            {
                "kind": SIMILAR,
                "from_item_id": docs[pair.from_index][0],
                "to_item_id": docs[pair.to_index][0],
                "score": round(pair.score, 4),
                "evidence": {"shared_terms": pair.shared},
            }
        )
        report.similar += 1
    if rows:
        session.execute(insert(models.Link), rows)
    session.flush()
    return report


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
