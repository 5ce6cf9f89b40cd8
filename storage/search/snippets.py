"""Snippets: a window of text around the first match, every matching word marked.

Made in Python from the same analyses as the index, so inflected and compound matches
are highlighted (FTS5's snippet() cannot see lemma-column hits).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from itertools import islice

# The analyser's own tokenizer and look-ahead, so that snippets find elided compounds
# exactly where the analyser does (see _elided_match).
from pykala.analysis.finnish import (
    ELISION_LOOKAHEAD,
    HYPHENS,
    FinnishAnalyzer,
    WordAnalysis,
    get_analyzer,
)
from pykala.analysis.finnish import TOKEN_RE as _ANALYSER_TOKEN

SNIPPET_WIDTH = 200
SNIPPET_LEAD = 60  # characters of context shown before the first match
_WORD = re.compile(r"[^\W_]+")
_COLON = re.compile(r"[^\W_]:[^\W_]")  # "EU:n": one token to the analyser
_ELIDED = re.compile(r"[^\W_]-(?=\s)")  # "Perusturva- ja …": a compound whose head follows
# Where the analyser's tokens differ from plain words: an elided compound's trailing
# hyphen ("Perusturva- ja …", which borrows its head) and "EU:n"-style tokens.
_NEEDS_ANALYSER = re.compile(r"[^\W_]-(?![^\W_])|[^\W_]:[^\W_]")


class Matcher:
    """Which words match a query's terms or prefixes, remembered for one search: the
    hits of a search share most of their vocabulary."""

    def __init__(
        self, analyzer: FinnishAnalyzer, terms: Sequence[str], prefixes: Sequence[str]
    ) -> None:
        self.analyzer = analyzer
        self.terms = frozenset(terms)
        self.prefixes = tuple(prefixes)
        self.checked: set[str] = set()  # words as written
        self.matched: set[str] = set()
        self.local: dict[str, bool] = {}  # elided-compound contexts (_elided_match)

    def is_match(self, analysis: WordAnalysis) -> bool:
        if not self.terms.isdisjoint(analysis.lemmas) or not self.terms.isdisjoint(analysis.parts):
            return True
        return any(
            w.startswith(p) for p in self.prefixes for w in (*analysis.lemmas, *analysis.parts)
        )

    def matched_words(self, flat: str) -> set[str]:
        """The words of ``flat`` (as written) that match. Set operations, so a text whose
        words were all seen before in this search costs no analysis at all."""
        words = set(_WORD.findall(flat))
        for word in words - self.checked:
            if self._word_matches(word):
                self.matched.add(word)
        self.checked |= words
        return words & self.matched

    def _word_matches(self, word: str) -> bool:
        if not self.terms.isdisjoint(self.analyzer.word_terms(word)):
            return True
        return bool(self.prefixes) and self.is_match(self.analyzer.analyze_word(word))

    def spans(self, flat: str) -> Iterator[tuple[int, int]]:
        """(start, end) in ``flat`` of each token matching a term or prefix (with elided
        compounds expanded: "Perusturva- ja terveyslautakunta" matches lautakunta twice)."""
        if not _NEEDS_ANALYSER.search(flat):
            # Then the analyser's tokens are exactly the plain words: no need to run it.
            for m in _WORD.finditer(flat):
                word = m.group()
                if word in self.matched or (word not in self.checked and self._word_matches(word)):
                    yield m.span()
            return
        pos = 0
        for token, analysis in self.analyzer.iter_token_analyses(flat):
            found = flat.find(token, pos)
            if found < 0:
                continue
            pos = found + len(token)
            if self.is_match(analysis):
                yield found, pos


def item_snippet(texts: Sequence[str], title: str, matcher: Matcher, start: str, end: str) -> str:
    """The first section text with a match, highlighted; else the beginning of the text
    (the match was in the title), or the title highlighted when there is no text."""
    for candidate in texts:
        snippet = _highlight(candidate, matcher, start, end, SNIPPET_WIDTH)
        if snippet is not None:
            return snippet
    if texts:
        return _window(_flatten(texts[0]), 0, SNIPPET_WIDTH, [], start, end)
    title_snippet = _highlight(title, matcher, start, end, SNIPPET_WIDTH)
    return (
        title_snippet
        if title_snippet is not None
        else _window(_flatten(title), 0, SNIPPET_WIDTH, [], start, end)
    )


def _flatten(text_: str) -> str:
    text_ = unicodedata.normalize("NFC", text_)
    if "\u2010" in text_ or "\u2011" in text_ or "\u00ad" in text_:  # translate is slow
        text_ = text_.translate(HYPHENS)
    return " ".join(text_.split())


def highlight(
    text_: str,
    terms: Sequence[str],
    *,
    start: str = "«",
    end: str = "»",
    width: int = SNIPPET_WIDTH,
    prefixes: Sequence[str] = (),
    analyzer: FinnishAnalyzer | None = None,
) -> str:
    """About ``width`` characters around the first word whose lemma or compound part is
    one of ``terms`` (or starts with one of ``prefixes``), every such word marked."""
    matcher = Matcher(analyzer or get_analyzer(), terms, prefixes)
    return text_snippet(text_, matcher, start, end, width)


def text_snippet(
    text_: str, matcher: Matcher, start: str, end: str, width: int = SNIPPET_WIDTH
) -> str:
    """``highlight`` with a search's Matcher (shared by all its hits): the window around
    the first match, or the beginning of the text when nothing in it matches."""
    snippet = _highlight(text_, matcher, start, end, width)
    return snippet if snippet is not None else _window(_flatten(text_), 0, width, [], start, end)


def _highlight(text_: str, matcher: Matcher, start: str, end: str, width: int) -> str | None:
    flat = _flatten(text_)
    # Fast scan for the first match: one cached analysis per distinct word. Only the
    # window is then analysed token by token (which also expands elided compounds).
    # The distinct words are checked first, so a text without a match (common: the
    # match was in the title or another section) is not walked.
    hits = matcher.matched_words(flat)
    first: int | None = None
    if hits:
        first = next(m.start() for m in _WORD.finditer(flat) if m.group() in hits)
    if first is None:
        first = _elided_match(matcher, flat)
        if first is None:
            return None
    begin = 0
    if first > SNIPPET_LEAD:
        begin = flat.rfind(" ", 0, first - SNIPPET_LEAD) + 1
    # A little beyond the window, so an elided prefix near its end finds its compound.
    window = flat[begin : begin + width + 120]
    found = [(s + begin, e + begin) for s, e in matcher.spans(window) if s <= width]
    return _window(flat, begin, width, found, start, end)


def _elided_match(matcher: Matcher, flat: str) -> int | None:
    """Where the first token matches when no plain word does: an elided compound
    ("Perusturva- ja terveyslautakunta") or a "EU:n"-style token. Only those can then
    match (what Matcher.spans over the whole text would find first), so only the
    space-separated chunks holding one are tokenized, each candidate analysed with just
    the tokens it looks ahead to."""
    if not _ELIDED.search(flat):
        return None
    marks = [m.start() for m in _ELIDED.finditer(flat)]
    marks += [m.start() for m in _COLON.finditer(flat)]
    for chunk in sorted({flat.rfind(" ", 0, mark) + 1 for mark in marks}):
        chunk_end = flat.find(" ", chunk)
        chunk_end = len(flat) if chunk_end < 0 else chunk_end
        tokens = list(islice(_ANALYSER_TOKEN.finditer(flat, chunk), 64))
        for n, token in enumerate(tokens):
            if token.start() >= chunk_end:
                break
            raw = token.group()
            elided = raw.endswith("-") and "-" not in raw[:-1]
            if not elided and ":" not in raw:
                continue  # its pieces are plain words, which the fast scan has seen
            following = tokens[n + 1 : n + 2 + ELISION_LOOKAHEAD] if elided else []
            stop = following[-1].end() if following else token.end()
            local = flat[token.start() : stop]
            hit = matcher.local.get(local)
            if hit is None:
                hit = matcher.local[local] = any(s == 0 for s, _e in matcher.spans(local))
            if hit:
                return token.start()
    return None


def _window(
    flat: str, begin: int, width: int, found: Sequence[tuple[int, int]], start: str, end: str
) -> str:
    stop = min(len(flat), begin + width)
    if stop < len(flat):
        space = flat.rfind(" ", begin, stop)
        stop = space if space > begin else stop
    out: list[str] = ["…"] if begin > 0 else []
    pos = begin
    for s, e in found:
        if s < begin or e > stop:
            continue
        out += [flat[pos:s], start, flat[s:e], end]
        pos = e
    out.append(flat[pos:stop])
    if stop < len(flat):
        out.append("…")
    return "".join(out)
