"""Finnish-aware search: the query language compiled onto the lemma/part index.

A query (storage.search.query) is analysed word by word with the same analyser that
built the index (storage.index), so a query word matches any inflected form or any compound that
contains it: ``perhekeskus`` finds "perhekeskusten" and "Perhekeskustoimintamalli",
``lautakunta`` finds "Perusturva- ja terveyslautakunta".

Compilation: each query word becomes its lemmas (plus the written form when Voikko does
not know it), each lemma its index tokens, each token a double-quoted FTS5 string or a
quoted tsquery lexeme. Tokens are letters and digits only, so nothing the user typed is
ever FTS5 or tsquery syntax. The same boolean structure goes to both databases, so they
return the same items; only the scores differ (bm25 vs ts_rank), ties go to the newest.

Phrases are checked in Python on the candidates the index returns (all words present):
the lemma columns hold several lemmas per word, so index positions cannot express
adjacency. Snippets are made in Python too, from the same analyses, so inflected and
compound matches are highlighted (FTS5's snippet() cannot see lemma-column hits).

The package, one job a module: ``query`` parses the query language, ``plan`` compiles a
parse onto the index and defines the rank tiers, ``sqlite`` and ``postgresql`` run one
tier on their database, ``rows`` reads what a hit shows, ``phrases`` checks phrases,
``snippets`` highlights, and ``items`` puts them together in ``search_items``;
``documents`` does the same for documents with the same pieces (``search_documents``).
"""

from __future__ import annotations

from pykala.storage.search.items import SearchHit, search_items
from pykala.storage.search.phrases import phrases_verified
from pykala.storage.search.plan import QueryPlan, fts5_query, plan_query, tsquery_text
from pykala.storage.search.postgresql import SEARCH_WORK_MEM
from pykala.storage.search.query import ParsedQuery, SearchQueryError, parse_query
from pykala.storage.search.snippets import highlight

__all__ = [
    "SEARCH_WORK_MEM",
    "ParsedQuery",
    "QueryPlan",
    "SearchHit",
    "SearchQueryError",
    "fts5_query",
    "highlight",
    "parse_query",
    "phrases_verified",
    "plan_query",
    "search_items",
    "tsquery_text",
]
