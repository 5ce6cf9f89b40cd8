"""Old name of storage.views, kept only for the importers still on it (cli.py,
harvester/demo.py); this module goes when they import from storage.views."""

from __future__ import annotations

from storage.views import (
    AmbiguousItemError,
    ArchiveStats,
    ItemView,
    archive_stats,
    get_item,
    item_page,
)

__all__ = [
    "AmbiguousItemError",
    "ArchiveStats",
    "ItemView",
    "archive_stats",
    "get_item",
    "item_page",
]
