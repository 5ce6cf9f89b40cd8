"""Topics as data and pure topic scoring (issue 3).

A topic is a name, terms, optional exclusions, weights per section kind, a threshold and
optional reference documents. Topics are read from TOML: the file shipped in
``linking/data/topics.toml`` plus the user's own (a user topic with a shipped name
replaces the shipped one)::

    [[topic]]
    name = "perhekeskus"
    title = "Family centres"
    threshold = 3.0
    terms = ["perhekeskus", { term = "kohtaamispaikka", weight = 0.5 }]
    exclude = ["perhehoito"]
    [topic.weights]
    title = 3.0

A term is a query word or phrase, analysed with ``analysis.finnish`` like a search query:
a term word matches a document word when one of its lemmas is a lemma or compound part of
the document word, so ``perhekeskus`` matches "Perhekeskustoimintamallin" but neither
"Perhehoidon" nor "Kauppakeskuksen". A phrase matches consecutive document words.

Scoring (``score_item``): each document word counts for at most one term (the heaviest,
then the longest), so "Perhekeskustoimintamalli" is not counted three times. Per term
and section kind the contribution is ``term weight × section weight × (1 + ln count)``;
the score is their sum. An item is a member when the score reaches the threshold, unless
an exclusion matches its title while no term does (a title about foster care that
mentions a family centre in passing is about foster care).
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pykala.analysis.finnish import FinnishAnalyzer, WordAnalysis, terms_match
from pykala.storage.kinds import DOCUMENT_SECTION

SHIPPED_TOPICS = Path(__file__).parent / "data" / "topics.toml"
TITLE = "title"  # the section kind given to an item's title
DOCUMENT = DOCUMENT_SECTION  # the section kind of a document's text (storage.kinds)

# Title and decision count more than background; names, distribution lists and appeal
# instructions say nothing about what was decided.
DEFAULT_WEIGHTS: Mapping[str, float] = {
    TITLE: 3.0,
    "paatos": 2.0,
    "paatosehdotus": 2.0,
    "selostus": 1.0,
    "kasittely": 1.0,
    # A programme page or slide deck is about its subject throughout, like a background.
    DOCUMENT: 1.0,
    "paatoshistoria": 0.5,
    "liitteet": 0.5,
    "other": 0.5,
    "valmistelija": 0.0,
    "esittelija": 0.0,
    "aanestys": 0.0,
    "esteellisyys": 0.0,
    "tiedoksi": 0.0,
    "muutoksenhaku": 0.0,
}
DEFAULT_THRESHOLD = 3.0


class TopicError(ValueError):
    """A topic file that cannot be used; the message names the file and the topic."""


@dataclass(frozen=True)
class TermSpec:
    text: str
    weight: float = 1.0


@dataclass(frozen=True)
class Reference:
    title: str
    url: str | None = None


@dataclass(frozen=True)
class TopicDefinition:
    name: str
    title: str | None
    description: str | None
    terms: tuple[TermSpec, ...]
    exclude: tuple[TermSpec, ...] = ()
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    threshold: float = DEFAULT_THRESHOLD
    references: tuple[Reference, ...] = ()

    def as_data(self) -> dict[str, Any]:
        """The definition as plain JSON data (stored in the archive)."""
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "terms": [{"term": t.text, "weight": t.weight} for t in self.terms],
            "exclude": [{"term": t.text, "weight": t.weight} for t in self.exclude],
            "weights": dict(sorted(self.weights.items())),
            "threshold": self.threshold,
            "references": [{"title": r.title, "url": r.url} for r in self.references],
        }

    def scoring_hash(self) -> str:
        """Changes exactly when the members may change (not for a new title or reference)."""
        data = self.as_data()
        scoring = {k: data[k] for k in ("terms", "exclude", "weights", "threshold")}
        encoded = json.dumps(scoring, sort_keys=True, ensure_ascii=False).encode()
        return hashlib.sha256(encoded).hexdigest()


# --- reading definitions ----------------------------------------------------------------


def _term(raw: object, where: str) -> TermSpec:
    if isinstance(raw, str) and raw.strip():
        return TermSpec(raw.strip())
    if isinstance(raw, dict) and isinstance(raw.get("term"), str) and raw["term"].strip():
        weight = raw.get("weight", 1.0)
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight <= 0:
            raise TopicError(f"{where}: weight of {raw['term']!r} must be a positive number")
        return TermSpec(raw["term"].strip(), float(weight))
    raise TopicError(f"{where}: a term is a non-empty string or {{ term = ..., weight = ... }}")


def definition_from_data(data: Mapping[str, Any], where: str = "topic") -> TopicDefinition:
    """A TopicDefinition from one TOML table (or the stored JSON of ``as_data``)."""
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or any(c.isspace() for c in name):
        raise TopicError(f"{where}: name must be a non-empty word")
    where = f"{where} {name!r}"
    raw_terms = data.get("terms")
    if not isinstance(raw_terms, list) or not raw_terms:
        raise TopicError(f"{where}: terms must be a non-empty list")
    raw_exclude = data.get("exclude", [])
    if not isinstance(raw_exclude, list):
        raise TopicError(f"{where}: exclude must be a list")
    weights = dict(DEFAULT_WEIGHTS)
    raw_weights = data.get("weights", {})
    if not isinstance(raw_weights, dict):
        raise TopicError(f"{where}: weights must be a table of section kind = number")
    for kind, weight in raw_weights.items():
        if not isinstance(weight, int | float) or isinstance(weight, bool) or weight < 0:
            raise TopicError(f"{where}: weight of section {kind!r} must be a number >= 0")
        weights[str(kind)] = float(weight)
    threshold = data.get("threshold", DEFAULT_THRESHOLD)
    if not isinstance(threshold, int | float) or isinstance(threshold, bool) or threshold <= 0:
        raise TopicError(f"{where}: threshold must be a positive number")
    references: list[Reference] = []
    for ref in data.get("references", []):
        if not isinstance(ref, dict) or not isinstance(ref.get("title"), str):
            raise TopicError(f"{where}: a reference is a table with a title (and a url)")
        url = ref.get("url")
        references.append(Reference(ref["title"], url if isinstance(url, str) else None))
    title = data.get("title")
    description = data.get("description")
    return TopicDefinition(
        name=name.strip(),
        title=title if isinstance(title, str) else None,
        description=description if isinstance(description, str) else None,
        terms=tuple(_term(t, where) for t in raw_terms),
        exclude=tuple(_term(t, where) for t in raw_exclude),
        weights=weights,
        threshold=float(threshold),
        references=tuple(references),
    )


def read_topics_file(path: Path) -> list[TopicDefinition]:
    """Every [[topic]] of one TOML file; TopicError names the file and the topic."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TopicError(f"cannot read topics file {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise TopicError(f"topics file {path}: {exc}") from exc
    tables = data.get("topic")
    if not isinstance(tables, list) or not tables:
        raise TopicError(f"topics file {path}: no [[topic]] tables")
    topics = [definition_from_data(t, f"{path}: topic") for t in tables]
    names = [t.name for t in topics]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise TopicError(f"topics file {path}: topic {duplicates[0]!r} is defined twice")
    return topics


def load_topics(user_file: Path | None = None) -> list[TopicDefinition]:
    """The shipped topics plus the user's (which replace shipped ones of the same name)."""
    topics = {t.name: t for t in read_topics_file(SHIPPED_TOPICS)}
    if user_file is not None:
        topics.update({t.name: t for t in read_topics_file(user_file)})
    return list(topics.values())


# --- analysed items ---------------------------------------------------------------------

Token = tuple[str, WordAnalysis]  # (surface form, analysis)


@dataclass(frozen=True)
class AnalysedSection:
    kind: str  # a parsers.records.SectionKind value, or TITLE
    tokens: tuple[Token, ...]

    @cached_property
    def positions(self) -> dict[str, list[int]]:
        """lemma or compound part → the token positions that have it (for fast matching)."""
        index: dict[str, list[int]] = {}
        for position, (_surface, analysis) in enumerate(self.tokens):
            for term in (*analysis.lemmas, *analysis.parts):
                found = index.setdefault(term, [])
                if not found or found[-1] != position:
                    found.append(position)
        return index


def analyse_item(
    analyzer: FinnishAnalyzer, title: str, sections: Iterable[tuple[str, str]]
) -> tuple[AnalysedSection, ...]:
    """The title and each (kind, text) section as analysed tokens."""
    out = [AnalysedSection(TITLE, tuple(analyzer.iter_token_analyses(title)))]
    out.extend(
        AnalysedSection(kind, tuple(analyzer.iter_token_analyses(text))) for kind, text in sections
    )
    return tuple(out)


# --- scoring ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CompiledTerm:
    text: str
    weight: float
    groups: tuple[tuple[str, ...], ...]  # one group of lemma alternatives per word


@dataclass(frozen=True)
class CompiledTopic:
    definition: TopicDefinition
    terms: tuple[CompiledTerm, ...]  # heaviest, then longest first
    exclude: tuple[CompiledTerm, ...]


def _compile_terms(analyzer: FinnishAnalyzer, specs: Sequence[TermSpec]) -> list[CompiledTerm]:
    compiled = []
    for spec in specs:
        groups = tuple(g for g in analyzer.query_groups(spec.text) if g)
        if groups:
            compiled.append(CompiledTerm(spec.text, spec.weight, groups))
    compiled.sort(key=lambda t: (-t.weight, -len(t.groups), -len(t.text)))
    return compiled


def compile_topic(analyzer: FinnishAnalyzer, definition: TopicDefinition) -> CompiledTopic:
    return CompiledTopic(
        definition,
        tuple(_compile_terms(analyzer, definition.terms)),
        tuple(_compile_terms(analyzer, definition.exclude)),
    )


@dataclass(frozen=True)
class Evidence:
    term: str
    section: str
    forms: tuple[str, ...]  # the document's words as printed, distinct, in order
    count: int
    points: float

    def as_data(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "section": self.section,
            "forms": list(self.forms),
            "count": self.count,
            "points": round(self.points, 4),
        }


def matched_terms(evidence: Iterable[Mapping[str, Any]]) -> list[str]:
    """The distinct terms of stored evidence (``Evidence.as_data`` rows), best first."""
    return list(dict.fromkeys(str(e["term"]) for e in evidence))


@dataclass(frozen=True)
class TopicScore:
    score: float
    evidence: tuple[Evidence, ...]  # best first
    excluded_by: str | None  # the exclusion term that vetoed membership

    def is_member(self, threshold: float) -> bool:
        return self.excluded_by is None and self.score >= threshold


def _starts(section: AnalysedSection, term: CompiledTerm) -> list[int]:
    """Positions where ``term`` matches: its first word via the index, the rest checked."""
    index = section.positions
    first = sorted({p for alt in term.groups[0] for p in index.get(alt, ())})
    tokens = section.tokens
    return [
        start
        for start in first
        if start + len(term.groups) <= len(tokens)
        and all(
            terms_match(group, tokens[start + offset][1])
            for offset, group in enumerate(term.groups[1:], start=1)
        )
    ]


def _find(section: AnalysedSection, terms: Sequence[CompiledTerm]) -> dict[str, list[str]]:
    """term text → matched surface forms; each token is used by one term at most."""
    tokens = section.tokens
    used = [False] * len(tokens)
    found: dict[str, list[str]] = {}
    for term in terms:
        for start in _starts(section, term):
            span = range(start, start + len(term.groups))
            if any(used[i] for i in span):
                continue
            for i in span:
                used[i] = True
            found.setdefault(term.text, []).append(" ".join(tokens[i][0] for i in span))
    return found


def score_item(topic: CompiledTopic, sections: Sequence[AnalysedSection]) -> TopicScore:
    """The topic score of one analysed item and the evidence for it."""
    weights = topic.definition.weights
    term_weight = {t.text: t.weight for t in topic.terms}
    evidence: list[Evidence] = []
    title_has_term = False
    for section in sections:
        kind_weight = weights.get(section.kind, weights.get("other", 0.0))
        if kind_weight <= 0 or not section.tokens:
            continue
        for text, forms in _find(section, topic.terms).items():
            if section.kind == TITLE:
                title_has_term = True
            points = term_weight[text] * kind_weight * (1.0 + math.log(len(forms)))
            evidence.append(
                Evidence(text, section.kind, tuple(dict.fromkeys(forms)), len(forms), points)
            )
    excluded_by = None
    if not title_has_term and topic.exclude:
        title = next((s for s in sections if s.kind == TITLE), AnalysedSection(TITLE, ()))
        vetoes = _find(title, topic.exclude)
        excluded_by = next(iter(vetoes), None)
    evidence.sort(key=lambda e: -e.points)
    return TopicScore(sum(e.points for e in evidence), tuple(evidence), excluded_by)
