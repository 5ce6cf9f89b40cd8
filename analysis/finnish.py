"""Finnish word analysis for search and linking: lemmas and compound parts.

Matching semantics (what the search issue builds on): a query word q matches a
document word d when any of ``query_terms(q)`` (the lemmas of every Voikko analysis
of q) equals a lemma or a compound part of d. So ``perhekeskus`` finds
"Perhekeskustoimintamalli" (part), "perhekeskusten" (lemma) and
"perhekeskusverkoston" (part), but not "Perhehoidon" (parts perhe, hoito) nor
"Kauppakeskuksen" (parts kauppa, keskus). A query word matches every compound
that contains it as a part; lexicalised compounds are not special-cased, so
``kunta`` matches "seurakunta" and "lautakunta" as well as "kunnanhallitus".

What Voikko gives (libvoikko 4.3.1 + voikko-fi 2.5, Debian; PyPI binding libvoikko 4.3,
which loads libvoikko.so.1 with ctypes and lets the C library find the dictionary in
its standard places, /usr/lib/voikko among them, or in $VOIKKO_DICTIONARY_PATH):
``analyze(word)`` returns one dict per analysis, with
- BASEFORM: the lemma, e.g. "perhekeskustoiminta" for "perhekeskustoimintaan";
- STRUCTURE: one character per letter of the *surface* word, '=' before each compound
  component: "=ppppp=pppppp=pppppppppp" = perhe|keskus|toimintaan;
- WORDBASES (present in this build, absent for proper-noun analyses): morphemes with
  their bases, "+perhe(perhe)+keskus(keskus)+toimi(toimia)+n+ta(+ta)". Its morphemes
  are finer than compound components (derivational suffixes like "+ta" appear on their
  own, some morphemes have no base: "+sosiaali+palvel(palvella)+u(+u)"), so compound
  boundaries are taken from STRUCTURE. WORDBASES is only used to add the base of an
  inflected non-final component: "lasten(lapsi)", "kunnan(kunta)".
Voikko is ambiguous at times: "Perusturvan" → perusturpa and perusturva; every
analysis is kept.

Parts of a compound: the non-final components as written (they are in their
compounding form, which is what BASEFORM contains too), the final component as a
lemma (BASEFORM minus the preceding components), the bases of inflected non-final
components, and every contiguous run of ≥ 2 components except the whole word (which
is the lemma): perhe|keskus|toiminta|malli → perhekeskus, keskustoiminta,
toimintamalli, perhekeskustoiminta, keskustoimintamalli.

Hyphens: a word is split on '-' first and each piece analysed on its own. A trailing
hyphen marks an elided compound ("yhdysmerkki"): in "Perusturva- ja
terveyslautakunta" the prefix borrows the tail of the next full word (everything
after its first compound component: "lautakunta") and "perusturvalautakunta" is
analysed as a word; if Voikko does not know the expanded word, the prefix keeps
its own analysis plus the tail's lemmas as parts.
"""

from __future__ import annotations

import ctypes
import functools
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import Stemmer

INSTALL_HINT = "apt-get install libvoikko1 voikko-fi && pip install libvoikko"

# Words a chain of elided prefixes may pass over on its way to the word it borrows from:
# "sosiaali-, terveys- ja ympäristölautakunta".
_ELISION_JOINERS = frozenset({"ja", "tai", "sekä", "eli", "ynnä", "taikka", "että"})
ELISION_LOOKAHEAD = 6

# Letters (any script, å ä ö included) and digits; "EU:n"-style colon inflection and
# hyphens inside a token; a trailing hyphen marks an elided compound.
TOKEN_RE = re.compile(r"[^\W_]+(?::[^\W_]+)?(?:-[^\W_]+(?::[^\W_]+)?)*-?")
HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-", "\u00ad": None})
_WORDBASE_RE = re.compile(r"\+([^+(]*)(?:\(([^)]*)\))?")


class VoikkoUnavailable(RuntimeError):
    """libvoikko (the native library or its Finnish dictionary) cannot be loaded."""

    def __init__(self, reason: str) -> None:
        reason = " ".join(reason.split())
        super().__init__(
            f"libvoikko or its Finnish dictionary is missing ({reason}): {INSTALL_HINT}"
        )


@dataclass(frozen=True, slots=True)
class WordAnalysis:
    """What one word contributes to the index; ``known`` is False for a Snowball stem."""

    lemmas: tuple[str, ...]
    parts: tuple[str, ...]
    known: bool


@dataclass(frozen=True, slots=True)
class AnalyzedText:
    """Space-joined index text: each token's distinct lemmas (parts), in token order."""

    lemmas: str
    parts: str


class _Analyser(Protocol):
    def analyze(self, word: str) -> list[dict[str, Any]]: ...


def _library_file_name() -> str:
    if sys.platform == "win32":
        return "libvoikko-1.dll"
    if sys.platform == "darwin":
        return "libvoikko.1.dylib"
    return "libvoikko.so.1"


def _open_voikko(language: str, dictionary_path: str | None, library_dir: str | None) -> _Analyser:
    """Open Voikko or raise VoikkoUnavailable with a one-line reason.

    ``library_dir`` loads the native library from that directory only (the binding
    itself would fall back to the system library, which is not what a caller who names
    a directory wants).
    """
    try:
        from libvoikko import Voikko
    except ImportError as exc:
        raise VoikkoUnavailable(f"Python binding: {exc}") from exc
    if library_dir is not None:
        lib_file = Path(library_dir) / _library_file_name()
        try:
            ctypes.CDLL(str(lib_file))
        except OSError as exc:
            raise VoikkoUnavailable(f"cannot load {lib_file}: {exc}") from exc
    previous = Voikko._sharedLibrarySearchPath
    try:
        if library_dir is not None:
            Voikko.setLibrarySearchPath(library_dir)
        voikko = Voikko(language, path=dictionary_path)
    except OSError as exc:
        raise VoikkoUnavailable(f"native library: {exc}") from exc
    except Exception as exc:  # libvoikko.VoikkoException: no dictionary / variant
        raise VoikkoUnavailable(str(exc)) from exc
    finally:
        Voikko.setLibrarySearchPath(previous)
    return voikko  # type: ignore[no-any-return]


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item for item in items if item))


def _components(word: str, structure: str) -> list[str] | None:
    """Surface compound components of ``word`` from Voikko's STRUCTURE string."""
    if sum(1 for ch in structure if ch != "=") != len(word):
        return None
    components: list[str] = []
    pos = 0
    for ch in structure:
        if ch == "=":
            components.append("")
        else:
            if not components:
                components.append("")
            components[-1] += word[pos]
            pos += 1
    return [c for c in components if c]


def _component_bases(components: Sequence[str], wordbases: str | None) -> list[str]:
    """Bases of non-final components that are a single inflected morpheme (lasten → lapsi)."""
    if not wordbases:
        return []
    spans: dict[tuple[int, int], str] = {}
    pos = 0
    for surface, base in _WORDBASE_RE.findall(wordbases):
        if base and not base.startswith("+"):
            spans[(pos, pos + len(surface))] = base.lower()
        pos += len(surface)
    bases: list[str] = []
    start = 0
    for component in components[:-1]:
        end = start + len(component)
        base = spans.get((start, end))
        if base is not None and base != component and "=" not in base:
            bases.append(base)
        start = end
    return bases


def _analysis_parts(word: str, analysis: dict[str, Any]) -> tuple[str, list[str]]:
    """(lemma, parts) of one Voikko analysis of a hyphen-free lower-cased word."""
    lemma = str(analysis.get("BASEFORM") or word).lower()
    structure = analysis.get("STRUCTURE")
    components = _components(word, str(structure)) if structure else None
    if not components or len(components) < 2:
        return lemma, []
    head = "".join(components[:-1])
    if not lemma.startswith(head) or len(lemma) == len(head):
        return lemma, []
    # The final component becomes its lemma; the others are already in compounding form.
    comps = [*components[:-1], lemma[len(head) :]]
    parts = list(comps)
    parts.extend(_component_bases(components, analysis.get("WORDBASES")))
    n = len(comps)
    for size in range(2, n):
        for start in range(n - size + 1):
            parts.append("".join(comps[start : start + size]))
    return lemma, parts


def _merge(analyses: Sequence[WordAnalysis]) -> WordAnalysis:
    return WordAnalysis(
        lemmas=_dedupe(lemma for a in analyses for lemma in a.lemmas),
        parts=_dedupe(part for a in analyses for part in a.parts),
        known=all(a.known for a in analyses),
    )


def _clean(text: str) -> str:
    return text.translate(HYPHENS)


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    elided: bool  # ends in a hyphen: the head of the compound follows later


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in TOKEN_RE.finditer(_clean(text)):
        raw = match.group()
        elided = raw.endswith("-")
        tokens.append(_Token(raw.rstrip("-"), elided))
    return tokens


class FinnishAnalyzer:
    """Voikko-backed analyser with a bounded per-word cache.

    A Voikko handle must not be used by two threads at once, so every call into it
    holds the instance's lock; the cache itself is thread-safe (lru_cache).
    """

    def __init__(
        self,
        *,
        language: str = "fi",
        dictionary_path: str | None = None,
        library_dir: str | None = None,
        cache_size: int = 200_000,
    ) -> None:
        self._voikko = _open_voikko(language, dictionary_path, library_dir)
        self._stemmer = Stemmer.Stemmer("finnish")
        self._lock = threading.Lock()
        self._cached: Callable[[str], WordAnalysis] = functools.lru_cache(maxsize=cache_size)(
            self._analyze_lower
        )
        # Elided compounds ("Perusturva- ja terveyslautakunta") ask Voikko for the host
        # word's structure each time they are met: cached too, or a snippet pays for it.
        self._cached_tail: Callable[[str], str | None] = functools.lru_cache(
            maxsize=cache_size // 4
        )(self._tail_lower)
        self._cached_terms: Callable[[str], frozenset[str]] = functools.lru_cache(
            maxsize=cache_size
        )(self._terms_lower)

    def cache_info(self) -> functools._CacheInfo:
        return self._cached.cache_info()  # type: ignore[attr-defined, no-any-return]

    def voikko_analyze(self, word: str) -> list[dict[str, Any]]:
        """Voikko's raw analyses (for benchmarks and debugging)."""
        with self._lock:
            return self._voikko.analyze(word)

    def analyze_word(self, word: str) -> WordAnalysis:
        """Lemmas and compound parts of one word (hyphenated pieces are merged)."""
        # Voikko analyses "kuopion" like "Kuopion" (lemma Kuopio), so the lower-cased
        # word is both what Voikko sees and the cache key.
        return self._cached(_clean(word).strip("-").lower())

    def word_terms(self, word: str) -> frozenset[str]:
        """The lemmas and compound parts of one word as a set: a query term matches the
        word when it is one of them (the rule of ``terms_match``)."""
        # Snippets call this for every distinct word of a text: skip the translate
        # (slow per character) when there is no hyphen to clean.
        key = word.lower() if word.isalnum() else _clean(word).strip("-").lower()
        return self._cached_terms(key)

    def _terms_lower(self, word: str) -> frozenset[str]:
        analysis = self._cached(word)
        return frozenset((*analysis.lemmas, *analysis.parts))

    def _analyze_lower(self, word: str) -> WordAnalysis:
        if "-" in word:
            pieces = [p for p in word.split("-") if p]
            return _merge([self._cached(p) for p in pieces]) if pieces else _EMPTY
        if not word:
            return _EMPTY
        analyses = self.voikko_analyze(word)
        if not analyses:
            stem = str(self._stemmer.stemWord(word))
            return WordAnalysis(lemmas=(stem,), parts=(), known=False)
        lemmas: list[str] = []
        parts: list[str] = []
        for analysis in analyses:
            lemma, lemma_parts = _analysis_parts(word, analysis)
            lemmas.append(lemma)
            parts.extend(lemma_parts)
        lemmas_t = _dedupe(lemmas)
        return WordAnalysis(
            lemmas=lemmas_t,
            parts=tuple(p for p in _dedupe(parts) if p not in lemmas_t),
            known=True,
        )

    def _tail(self, word: str) -> str | None:
        """Surface of ``word`` after its first compound component (terveyslautakunnan →
        lautakunnan), from the first analysis that has one."""
        return self._cached_tail(word.lower())

    def _tail_lower(self, lower: str) -> str | None:
        for analysis in self.voikko_analyze(lower):
            structure = analysis.get("STRUCTURE")
            components = _components(lower, str(structure)) if structure else None
            if components and len(components) >= 2:
                return "".join(components[1:])
        return None

    def _expand_elided(self, prefix: str, host: str | None) -> WordAnalysis:
        own = self.analyze_word(prefix)
        tail = self._tail(host) if host is not None and "-" not in host else None
        if tail is None:
            return own
        expanded = self.analyze_word(prefix + tail)
        if expanded.known:
            return expanded
        borrowed = self.analyze_word(tail)
        return WordAnalysis(
            lemmas=own.lemmas,
            parts=_dedupe([*own.parts, *borrowed.lemmas, *borrowed.parts]),
            known=own.known,
        )

    def iter_token_analyses(self, text: str) -> Iterator[tuple[str, WordAnalysis]]:
        """(token, analysis) per token; hyphenated tokens yield one pair per piece and an
        elided prefix ("Perusturva-") yields the analysis of its expanded compound."""
        tokens = _tokens(text)
        for index, token in enumerate(tokens):
            if token.elided and "-" not in token.text:
                host = None
                for later in tokens[index + 1 : index + 1 + ELISION_LOOKAHEAD]:
                    if later.elided or later.text.lower() in _ELISION_JOINERS:
                        continue
                    host = later.text
                    break
                yield token.text, self._expand_elided(token.text, host)
                continue
            for piece in token.text.split("-"):
                if piece:
                    yield piece, self.analyze_word(piece)

    def analyze_text(self, text: str) -> AnalyzedText:
        lemmas: list[str] = []
        parts: list[str] = []
        for _token, analysis in self.iter_token_analyses(text):
            lemmas.extend(analysis.lemmas)
            parts.extend(analysis.parts)
        return AnalyzedText(lemmas=" ".join(lemmas), parts=" ".join(parts))

    def query_terms(self, word: str) -> tuple[str, ...]:
        """Alternatives one query word matches: the lemmas of all its analyses (all of its
        hyphen pieces' lemmas for a hyphenated word; use ``query_groups`` to AND them).

        A word Voikko does not know also keeps its written form next to its stem: it may
        be a compounding form that documents carry as a part ("sosiaali" in
        "sosiaalipalvelut"), which the stem ("sosiaal") would miss.
        """
        analysis = self.analyze_word(word)
        if analysis.known:
            return analysis.lemmas
        written = [piece for piece in _clean(word).lower().split("-") if piece]
        return _dedupe([*analysis.lemmas, *written])

    def query_groups(self, text: str) -> tuple[tuple[str, ...], ...]:
        """One group of alternatives per query token: groups are AND-ed, terms OR-ed."""
        return tuple(analysis.lemmas for _token, analysis in self.iter_token_analyses(text))

    def matches(self, query_word: str, document_word: str) -> bool:
        """The matching rule of the module docstring, for one query and one document word."""
        return terms_match(self.query_terms(query_word), self.analyze_word(document_word))


_EMPTY = WordAnalysis(lemmas=(), parts=(), known=True)


def terms_match(terms: Iterable[str], analysis: WordAnalysis) -> bool:
    """True when any query term is a lemma or a part of the analysed document word."""
    return any(term in analysis.lemmas or term in analysis.parts for term in terms)


_singleton: FinnishAnalyzer | None = None
_singleton_lock = threading.Lock()


def get_analyzer() -> FinnishAnalyzer:
    """The process-wide analyser (Voikko loads its dictionary once, ~0.1 s)."""
    global _singleton
    with _singleton_lock:
        if _singleton is None:
            _singleton = FinnishAnalyzer()
        return _singleton
