"""Old home of the document search, now storage.search.documents. Kept only for the
importers still on it (cli.py, harvester/demo.py); this module goes when they import from
storage.search.documents."""

from __future__ import annotations

from storage.search.documents import DocumentHit, search_documents

__all__ = ["DocumentHit", "search_documents"]
