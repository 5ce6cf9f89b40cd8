"""Phrases and excluded phrases, checked in Python on the candidates the index returns.

The lemma columns hold several lemmas per word, so index positions cannot express
adjacency: the texts are analysed again, with the analyser that built the index.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from pykala.analysis.finnish import FinnishAnalyzer, WordAnalysis, terms_match
from pykala.storage.search.plan import Alt, Compiled, QueryPlan
from pykala.storage.search.query import Atom


def _tokens(analyzer: FinnishAnalyzer, text_: str) -> list[WordAnalysis]:
    return [a for _t, a in analyzer.iter_token_analyses(unicodedata.normalize("NFC", text_))]


def _alt_matches(alt: Alt, analysis: WordAnalysis) -> bool:
    term = "".join(alt.tokens)
    if alt.prefix:
        return any(w.startswith(term) for w in (*analysis.lemmas, *analysis.parts))
    return terms_match((term,), analysis)


def _occurs(compiled: Compiled, phrase: bool, tokens: Sequence[WordAnalysis]) -> bool:
    """A word: every piece matches some token. A phrase: the pieces match in a row."""
    if not phrase:
        return all(any(_alt_matches(a, t) for a in g for t in tokens) for g in compiled)
    width = len(compiled)
    return any(
        all(any(_alt_matches(a, tokens[i + j]) for a in g) for j, g in enumerate(compiled))
        for i in range(len(tokens) - width + 1)
    )


def phrases_verified(plan: QueryPlan, analyzer: FinnishAnalyzer, texts: Sequence[str]) -> bool:
    """Do ``texts`` hold the plan's phrases (words adjacent, in order) and none of its
    excluded phrases: what the index cannot check."""
    token_lists = [_tokens(analyzer, t) for t in texts]

    def anywhere(atom: Atom, compiled: Compiled) -> bool:
        return any(_occurs(compiled, atom.phrase, tokens) for tokens in token_lists)

    if any(anywhere(a, c) for a, c in plan.excluded_phrases):
        return False
    return all(any(anywhere(a, c) for a, c in clause) for clause in plan.clauses)
