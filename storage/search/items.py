"""Item search: the tiers of a plan run on this database, phrases checked, hits made."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from pykala.analysis.finnish import get_analyzer
from pykala.storage import models
from pykala.storage.filters import ItemFilters, filter_clauses, meeting_date_column, section_kind
from pykala.storage.search import postgresql, sqlite
from pykala.storage.search.phrases import phrases_verified
from pykala.storage.search.plan import plan_query, tiers_for
from pykala.storage.search.query import SearchQueryError, parse_query, shown
from pykala.storage.search.rows import hit_columns, hit_rows, joined, section_texts
from pykala.storage.search.snippets import Matcher, item_snippet

VERIFY_BATCH = 200  # candidates fetched at a time when phrases are checked in Python


@dataclass(frozen=True)
class SearchHit:
    item_id: str  # stable "<source>:<external id>"
    source: str
    municipality: str | None
    body: str | None
    meeting_date: date | None
    paragraph: str | None
    title: str
    snippet: str
    url: str


def search_items(
    session: Session,
    query: str,
    filters: ItemFilters | None = None,
    limit: int = 20,
    *,
    mark_start: str = "«",
    mark_end: str = "»",
) -> list[SearchHit]:
    """Items matching ``query`` (see storage.search.query), best first.

    A query that is a diary number lists the items with that number first. With
    ``filters.section`` every word must match inside sections of that kind. Ties in
    rank go to the newest meeting. SearchQueryError for a query with nothing to find.
    """
    filters = filters or ItemFilters()
    kind = section_kind(filters.section) if filters.section else None
    analyzer = get_analyzer()
    plan = plan_query(analyzer, parse_query(query), query)
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":  # for this transaction only
        session.execute(text(f"SET LOCAL work_mem = '{postgresql.SEARCH_WORK_MEM}'"))
    clauses = filter_clauses(session, filters)
    rows: list[Any] = []
    if plan.diary_number:
        rows.extend(
            session.execute(
                joined(select(*hit_columns()).select_from(models.Item))
                .where(models.Item.diary_number_normalised == plan.diary_number, *clauses)
                .order_by(meeting_date_column().desc().nulls_last(), models.Item.id)
                .limit(limit)
            ).all()
        )
    done = {r[0] for r in rows}  # returned, or (phrases) checked and rejected
    texts: dict[int, list[str]] = {}
    tiers = tiers_for(kind)
    try:
        walk = postgresql.walk_cutoff(session) if dialect != "sqlite" else (False, None)
        for tier in range(len(tiers)):
            if len(rows) >= limit:
                break

            def ranked(count: int, offset: int, tier: int = tier) -> list[int]:
                if dialect == "sqlite":
                    return sqlite.keyed_ids(session, plan, kind, tier, clauses, count, offset)
                return postgresql.ranked_ids(
                    session, plan, kind, tier, clauses, walk, count, offset
                )

            # Without phrases every fetched row is returned unless done before (at
            # most len(done) of them), so one query of that many more rows suffices.
            wanted = limit - len(rows) + len(done)
            for ids in _candidates(ranked, wanted, plan.needs_check):
                fresh = [i for i in ids if i not in done]
                batch_texts = section_texts(session, fresh, kind) if plan.needs_check else {}
                for r in hit_rows(session, fresh):
                    if len(rows) >= limit:
                        break
                    done.add(r[0])
                    item_texts = ([] if kind else [r[2]]) + batch_texts.get(r[0], [])
                    if plan.needs_check and not phrases_verified(plan, analyzer, item_texts):
                        continue
                    rows.append(r)
                    if plan.needs_check:
                        texts[r[0]] = batch_texts.get(r[0], [])
                if len(rows) >= limit:
                    break
    except OperationalError as exc:  # defensive: the compiler should never allow this
        reason = " ".join(str(exc.orig).split())[:200]
        raise SearchQueryError(f"the search index rejected {shown(query)}: {reason}") from exc
    missing = [r[0] for r in rows if r[0] not in texts]
    texts.update(section_texts(session, missing, kind))
    matcher = Matcher(analyzer, *plan.highlight_terms())
    return [
        SearchHit(
            item_id=f"{r[5]}:{r[1]}",
            source=r[5],
            municipality=r[6],
            body=r[7],
            meeting_date=r[8],
            paragraph=r[4],
            title=r[2],
            snippet=item_snippet(texts.get(r[0], []), r[2], matcher, mark_start, mark_end),
            url=r[3],
        )
        for r in rows
    ]


def _candidates(
    ranked: Callable[[int, int], list[int]], limit: int, check: bool
) -> Iterator[list[int]]:
    """The ranked ids: one query of ``limit`` ids, or batches while phrases are checked."""
    if not check:
        yield ranked(limit, 0)
        return
    offset = 0
    while True:
        batch = ranked(VERIFY_BATCH, offset)
        if not batch:
            return
        yield batch
        offset += VERIFY_BATCH
