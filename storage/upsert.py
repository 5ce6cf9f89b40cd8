"""Old home of the save functions, now storage.sources, storage.pages, storage.items,
storage.parses, storage.documents and storage.runs. Kept only for the importers still on
it (harvester/run.py, harvester/add.py); this module goes when they import from those."""

from __future__ import annotations

from storage.documents import save_document
from storage.items import UpsertCounts
from storage.pages import FetchedPage, iter_pages, save_page, save_parse_error, save_raw
from storage.parses import save_parse
from storage.runs import finish_run, start_run
from storage.sources import sync_sources

__all__ = [
    "FetchedPage",
    "UpsertCounts",
    "finish_run",
    "iter_pages",
    "save_document",
    "save_page",
    "save_parse",
    "save_parse_error",
    "save_raw",
    "start_run",
    "sync_sources",
]
