"""Reparse rate of a whole archive from stored raw pages, SQLite and PostgreSQL.

    PYTHONPATH=. .venv/bin/python bench/bench_reparse.py [--n 1000 10000 100000]
        [--backend sqlite postgresql] [--parse-pass-max 10000]

For each backend and N: a fresh archive (a SQLite file in bench/out/, or a new schema on
the local PostgreSQL, dropped afterwards) is filled with N distinct Dynasty item pages made
from the fixture item pages (3 Kuopio, 4 real Espoo): meeting id, position, date, § number,
title and one sentence vary per page. Pages are stored raw only (save_page, no parse), then
``harvester.reparse.reparse`` runs twice, timed:

(a) first reparse: every item is new (inserted) — a parser change on a fresh archive;
(b) second reparse: every item is unchanged.

The time spent inside ``dynasty.parse`` and inside the search indexer during each reparse
is measured too (both are wrapped for the run), so the shares show where the time goes; a
separate parse-only pass over the first ``--parse-pass-max`` stored pages cross-checks it.
Rates are given per wall second and per CPU second of this process (steadier when the
machine is busy). Results and the exact commands: bench/RESULTS.md, "Reparse (issue 2)".
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import ParamSpec, TypeVar

from sqlalchemy import create_engine, func, select, text

from pykala.harvester.platforms import PLATFORMS
from pykala.harvester.reparse import reparse
from pykala.harvester.report import Progress
from pykala.harvester.sources import load_municipalities, load_sources
from pykala.parsers import dynasty
from pykala.parsers.records import PageKind
from pykala.storage import items, models
from pykala.storage.db import Archive, open_archive
from pykala.storage.pages import FetchedPage, iter_pages, save_page
from pykala.storage.sources import sync_sources

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "dynasty"
OUT = ROOT / "bench" / "out"
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ITEMS_PER_MEETING = 12
STORE_BATCH = 1000  # pages per transaction while generating
INDEXER = "index_record"  # what storage.items calls to index an item it wrote
CHUNK = 1000  # pages per rate sample inside a reparse (for flatness within a run)

KUOPIO = "http://publish.kuopio.fi/cgi/DREQUEST.PHP?page=meetingitem&id={}"
ESPOO = "http://espoo04.hosting.documenta.fi/kokous/{}.HTM"
FILES: dict[str, list[tuple[str, str]]] = {
    "kuopio": [
        ("kuopio/meetingitem_2020362412-3.html", KUOPIO.format("2020362412-3")),
        ("kuopio/meetingitem_2020362412-4.html", KUOPIO.format("2020362412-4")),
        ("kuopio/meetingitem_2020362412-5.html", KUOPIO.format("2020362412-5")),
    ],
    "espoo": [
        ("espoo/2013262303-5.HTM", ESPOO.format("2013262303-5")),
        ("espoo/2017406946-3.HTM", ESPOO.format("2017406946-3")),
        ("espoo/2017409886-4.HTM", ESPOO.format("2017409886-4")),
        ("espoo/2017409886-26.HTM", ESPOO.format("2017409886-26")),
    ],
}
TOPICS = [
    "Varhaiskasvatus", "Liikuntapalvelut", "Kaavoitus", "Talousarvio", "Hankinnat",
    "Ympäristölupa", "Henkilöstöasiat", "Tilapalvelut", "Kotihoito", "Joukkoliikenne",
    "Kirjastopalvelut", "Vesihuolto", "Katuverkko", "Nuorisopalvelut", "Sosiaalityö",
]  # fmt: skip
P = ParamSpec("P")
R = TypeVar("R")
UNITS = ["tilakeskus", "kaupunkisuunnittelukeskus", "perusturva", "konsernihallinto"]


@dataclass(frozen=True)
class Template:
    """A fixture item page and the fields its own parse found (what a variant changes)."""

    source: str
    url: str
    text: str  # decoded page
    encoding: str  # how the variant is encoded back (the page's declared charset)
    content_type: str
    item_id: str
    meeting_id: str
    date: str  # the header date as printed, dd.mm.yyyy
    paragraph: str | None
    title_prefix: str  # the start of the title, as it occurs in the page text
    sentence_at: int  # offset of the first sentence end after the title


def _template(source: str, rel: str, url: str) -> Template:
    body = (FIXTURES / rel).read_bytes()
    item = dynasty.parse(body, url).items[0]
    declared = re.search(rb"charset=([\w-]+)", body)
    charset = declared.group(1).decode().lower() if declared else "utf-8"
    encoding = "cp1252" if charset == "windows-1252" else charset
    page = body.decode(encoding)
    assert item.meeting_external_id and item.meeting_date, rel
    prefix = next(
        item.title[:k] for k in range(30, 7, -1) if item.title[:k] in page
    )  # StopIteration = the template cannot be varied: fix the table
    title_end = page.index(prefix) + len(prefix)
    end = re.compile(r"\.(?=(?:\s|</span>|</b>|</i>)*</p>)").search(page, title_end)
    assert end is not None, rel
    return Template(
        source=source,
        url=url,
        text=page,
        encoding=encoding,
        content_type=f"text/html; charset={charset}",
        item_id=item.external_id,
        meeting_id=item.meeting_external_id,
        date=item.meeting_date.strftime("%d.%m.%Y"),
        paragraph=item.paragraph,
        title_prefix=prefix,
        sentence_at=end.end(),
    )


@dataclass(frozen=True)
class Variant:
    source: str
    url: str
    content_type: str
    body: bytes
    item_id: str
    day: date
    paragraph: str | None
    topic: str
    sentence: str


def _variant(t: Template, n: int) -> Variant:
    """Page ``n`` of the archive: meeting n // 12, position n % 12 + 1, from template ``t``."""
    meeting = n // ITEMS_PER_MEETING
    position = n % ITEMS_PER_MEETING + 1
    day = date(2012, 1, 9) + timedelta(days=(meeting * 3) % 4380)
    meeting_id = f"{day.year}{100000 + meeting:06d}"
    item_id = f"{meeting_id}-{position}"
    topic = TOPICS[n % len(TOPICS)]
    sentence = (
        f"Asiaa on valmisteltu yhteistyössä {UNITS[n % len(UNITS)]}n kanssa (valmistelu {n + 1})."
    )
    page = t.text[: t.sentence_at] + " " + sentence + t.text[t.sentence_at :]
    page = page.replace(t.title_prefix, f"{topic}: {t.title_prefix}")
    page = page.replace(t.item_id, item_id).replace(t.meeting_id, meeting_id)
    page = page.replace(t.date, day.strftime("%d.%m.%Y"))
    paragraph: str | None = None
    if t.paragraph is not None:
        paragraph = str(1 + (meeting * ITEMS_PER_MEETING + position) % 400)
        page = re.sub(
            rf"((?:Pyk(?:&auml;|ä)l(?:&auml;|ä)|&sect;|§)(?:\s|&nbsp;)*){t.paragraph}\b",
            rf"\g<1>{paragraph}",
            page,
        )
    return Variant(
        source=t.source,
        url=t.url.replace(t.item_id, item_id),
        content_type=t.content_type,
        body=page.encode(t.encoding, errors="xmlcharrefreplace"),
        item_id=item_id,
        day=day,
        paragraph=paragraph,
        topic=topic,
        sentence=sentence,
    )


def load_templates() -> dict[str, list[Template]]:
    return {src: [_template(src, rel, url) for rel, url in files] for src, files in FILES.items()}


def page_variant(templates: dict[str, list[Template]], n: int) -> Variant:
    """Meetings alternate between Kuopio and Espoo; positions cycle through the templates."""
    meeting = n // ITEMS_PER_MEETING
    pool = templates["kuopio" if meeting % 2 == 0 else "espoo"]
    return _variant(pool[n % ITEMS_PER_MEETING % len(pool)], n)


def check_variants(templates: dict[str, list[Template]]) -> None:
    """Every template's variant parses to what was put in (else the figures mean nothing)."""
    for n in range(2 * ITEMS_PER_MEETING):
        v = page_variant(templates, n)
        result = dynasty.parse(v.body, v.url, v.content_type)
        (item,) = result.items
        texts = " ".join(s.text for s in item.sections)
        problems = [
            what
            for what, ok in (
                ("external id", item.external_id == v.item_id),
                ("date", item.meeting_date == v.day),
                ("§", item.paragraph == v.paragraph),
                ("title", item.title.startswith(v.topic + ": ")),
                ("sentence", v.sentence in texts),
            )
            if not ok
        ]
        assert not problems, f"variant {n} ({v.url}): wrong {', '.join(problems)}"


# --- archives -------------------------------------------------------------------------


@contextmanager
def fresh_archive(backend: str, n: int) -> Iterator[Archive]:
    """A new empty archive, removed afterwards."""
    if backend == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"reparse_{n}.sqlite"
        for old in OUT.glob(f"{path.name}*"):
            old.unlink()
        archive = open_archive(f"sqlite:///{path}")
        try:
            yield archive
        finally:
            archive.close()
            for old in OUT.glob(f"{path.name}*"):
                old.unlink()
        return
    schema = f"bench_reparse_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        archive = open_archive(f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}")
        try:
            yield archive
        finally:
            archive.close()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def generate(archive: Archive, templates: dict[str, list[Template]], n: int) -> None:
    """Store ``n`` distinct raw item pages (not parsed), STORE_BATCH per transaction."""
    wanted = {"kuopio", "espoo"}
    sources = [s for s in load_sources() if s.name in wanted]
    fetched_at = datetime(2024, 1, 1, tzinfo=UTC)
    with archive.session() as session:
        sync_sources(session, sources, load_municipalities())
    for start in range(0, n, STORE_BATCH):
        with archive.session() as session:
            for i in range(start, min(n, start + STORE_BATCH)):
                v = page_variant(templates, i)
                page = FetchedPage(
                    source_name=v.source,
                    url=v.url,
                    final_url=v.url,
                    status=200,
                    headers={"Content-Type": v.content_type},
                    fetched_at=fetched_at + timedelta(seconds=i),
                    body=v.body,
                    page_kind=PageKind.ITEM,
                )
                save_page(session, page)
    with archive.session() as session:
        raw = session.scalar(select(func.count()).select_from(models.RawPage))
        pages = session.scalar(select(func.count()).select_from(models.Page))
    assert raw == n and pages == n, f"expected {n} distinct pages, got {raw} raw / {pages}"


# --- measuring ------------------------------------------------------------------------


class ChunkClock(Progress):
    """Time at every CHUNK-th page, to see whether the rate falls within one run."""

    def __init__(self) -> None:
        self.marks: list[float] = []

    def on_page(self, source: str, url: str, n: int, total_guess: int) -> None:
        if n % CHUNK == 1:
            self.marks.append(time.perf_counter())

    def first_last(self) -> tuple[float, float] | None:
        """Pages/s over the first and the last full chunk (None with fewer than 3 chunks)."""
        if len(self.marks) < 3:
            return None
        return CHUNK / (self.marks[1] - self.marks[0]), CHUNK / (self.marks[-1] - self.marks[-2])


@dataclass
class Pass:
    seconds: float
    cpu_seconds: float  # of this process only (a PostgreSQL server's work is not in it)
    parse_seconds: float
    index_seconds: float
    items: int
    first_last: tuple[float, float] | None

    @property
    def rate(self) -> float:
        return self.items / self.seconds

    @property
    def cpu_rate(self) -> float:
        """Items per CPU second of this process: steadier than wall time on a busy machine."""
        return self.items / self.cpu_seconds

    @property
    def parse_share(self) -> float:
        return self.parse_seconds / self.seconds

    @property
    def index_share(self) -> float:
        return self.index_seconds / self.seconds


def _timed(fn: Callable[P, R], spent: list[float]) -> Callable[P, R]:
    """``fn``, adding the time each call takes to ``spent[0]``."""

    def timed(*args: P.args, **kwargs: P.kwargs) -> R:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - t0

    return timed


def timed_reparse(archive: Archive, n: int, expect: str) -> Pass:
    """One whole reparse; every page must give one item counted as ``expect``.

    The parser registry entry and the search indexer storage.items calls are wrapped
    for the run, to split the time: parse / search index / the rest of the upsert.
    """
    parse_time, index_time = [0.0], [0.0]
    platform, index = PLATFORMS["dynasty"], getattr(items, INDEXER)
    clock = ChunkClock()
    PLATFORMS["dynasty"] = replace(platform, parse=_timed(platform.parse, parse_time))
    setattr(items, INDEXER, _timed(index, index_time))
    try:
        start, cpu = time.perf_counter(), time.process_time()
        report = reparse(archive, clock)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        PLATFORMS["dynasty"] = platform
        setattr(items, INDEXER, index)
    totals = report.totals()
    assert totals[expect] == n and totals["failed"] == 0 and totals["pages"] == n, totals
    done = Pass(seconds, cpu, parse_time[0], index_time[0], totals[expect], clock.first_last())
    print(
        f"  {n:,} pages, {expect}: {done.rate:.1f} items/s, {done.cpu_rate:.1f} items/CPU-s, "
        f"parse {done.parse_share:.0%}, index {done.index_share:.0%}",
        file=sys.stderr,
        flush=True,
    )
    return done


def parse_only(archive: Archive, limit: int) -> float:
    """Pages/s of dynasty.parse alone over the first ``limit`` stored pages."""
    spent = 0.0
    done = 0
    with archive.session() as session:
        for page in iter_pages(session):
            if done >= limit:
                break
            t0 = time.perf_counter()
            dynasty.parse(page.body, page.url, page.content_type)
            spent += time.perf_counter() - t0
            done += 1
    return done / spent


@dataclass
class Row:
    backend: str
    n: int
    generate_s: float
    first: Pass
    second: Pass
    parse_rate: float | None


def measure(backend: str, n: int, templates: dict[str, list[Template]], parse_max: int) -> Row:
    with fresh_archive(backend, n) as archive:
        t0 = time.perf_counter()
        generate(archive, templates, n)
        generate_s = time.perf_counter() - t0
        print(f"{backend} {n:,}: stored in {generate_s:.0f} s", file=sys.stderr, flush=True)
        first = timed_reparse(archive, n, "inserted")
        second = timed_reparse(archive, n, "unchanged")
        rate = parse_only(archive, min(n, parse_max)) if parse_max > 0 else None
    return Row(backend, n, generate_s, first, second, rate)


def _fl(p: Pass) -> str:
    return f"{p.first_last[0]:.0f}→{p.first_last[1]:.0f}" if p.first_last else "–"


def _shares(p: Pass) -> str:
    return f"{p.parse_share:.0%} / {p.index_share:.0%}"


def print_row(row: Row, out: Callable[[str], None] = print) -> None:
    parse = f"{row.parse_rate:.0f}" if row.parse_rate is not None else "–"
    out(
        f"| {row.backend} | {row.n:,} | {row.generate_s:.0f} s "
        f"| {row.first.rate:.0f} ({row.first.cpu_rate:.0f}) | {_shares(row.first)} "
        f"| {_fl(row.first)} "
        f"| {row.second.rate:.0f} ({row.second.cpu_rate:.0f}) | {_shares(row.second)} "
        f"| {_fl(row.second)} "
        f"| {parse} |"
    )


HEADER = (
    "| backend | pages | generate | (a) new: items/s (per CPU-s) | parse / index share"
    " | 1st→last 1k | (b) unchanged: items/s (per CPU-s) | parse / index share | 1st→last 1k"
    " | parse-only pages/s |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--n", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument(
        "--backend", nargs="+", choices=["sqlite", "postgresql"], default=["sqlite", "postgresql"]
    )
    ap.add_argument(
        "--parse-pass-max",
        type=int,
        default=10000,
        help="pages in the separate parse-only pass (0 = skip it)",
    )
    args = ap.parse_args()
    # A kill (SIGTERM) unwinds like Ctrl-C, so the SQLite file and the schema are removed.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    templates = load_templates()
    check_variants(templates)
    sample = [page_variant(templates, i).body for i in range(ITEMS_PER_MEETING * 2)]
    mean = sum(len(b) for b in sample) / len(sample)
    print(f"pages: mean {mean / 1024:.0f} KiB; sha256 distinct per page")
    print(HEADER, flush=True)
    for backend in args.backend:
        for n in args.n:
            print_row(measure(backend, n, templates, args.parse_pass_max))
            print(end="", flush=True)


if __name__ == "__main__":
    main()
