"""Which items are linked, computed from data alone (no database): the pure half of
linking. ``linking.links`` stores what this computes; ``linking.linkview`` reads it back.

* ``same_case_pairs``: items of one source (one organisation: lautakunta →
  kaupunginhallitus → valtuusto) that share a normalised diary number, linked earlier →
  later in meeting order (consecutive pairs, so a case is a chain).
* ``similar_pairs``: TF-IDF (scikit-learn) over each item's lemma + compound-part terms
  (``document_terms``), cosine similarity, the top ``k`` items of *other* groups
  (municipalities) above ``threshold``; the evidence is the terms that contribute most to
  the similarity. ``fit_model`` and ``neighbours`` are its two steps, for updates that
  recompute only some rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import pairwise
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from pykala.analysis.finnish import WordAnalysis
from pykala.linking.topics import TITLE, AnalysedSection

# The two kinds of link (stored as link.kind).
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


# --- same case ------------------------------------------------------------------------


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


# --- similar ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SimilarPair:
    from_index: int
    to_index: int
    score: float
    shared: list[str]


@dataclass(frozen=True)
class TfidfModel:
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


def fit_model(documents: Sequence[str], groups: Sequence[str]) -> TfidfModel | None:
    """The TF-IDF model of ``documents`` (space-separated terms), each in its group;
    None when there is nothing to compare."""
    if len(documents) < 2 or not any(documents):
        return None
    vectorizer = TfidfVectorizer(analyzer=str.split, sublinear_tf=True, norm="l2", dtype=np.float64)
    try:
        matrix = vectorizer.fit_transform(documents).tocsr()
    except ValueError:  # every document empty
        return None
    return TfidfModel(
        matrix,
        matrix.T.tocsc(),
        vectorizer.get_feature_names_out(),
        np.unique(np.asarray(groups), return_inverse=True)[1],
    )


def neighbours(
    model: TfidfModel, rows: Sequence[int], threshold: float, chunk_cells: int
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
    model = fit_model(documents, groups)
    if model is None:
        return []
    return [
        model.pair(index, int(other), float(score))
        for index, best, scores in neighbours(model, range(model.size), threshold, chunk_cells)
        for other, score in zip(best[:k], scores[:k], strict=True)
    ]
