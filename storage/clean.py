"""Clean text on its way into the archive: the one place control characters are removed.

Two doors, one rule. What the parsers of every platform give enters storage through
``save_parse``/``save_document`` (storage.parses, storage.documents), which pass their
records through ``clean_record`` first, so content hashes, versions and the search index
see the text that is stored. Everything else (URLs, headers, error messages) is caught by
the column types: every text and JSON column of the models binds through
``clean_text``/``clean_json``.
So the archive gets the same clean text on SQLite and on PostgreSQL (which refuses NUL
outright and cannot encode a lone surrogate). Tab and
newline stay; a carriage return, vertical tab or form feed (a PDF's page break) becomes
a newline, so words on either side are not glued together; every other C0 control
character (NUL among them) and every lone surrogate is dropped.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, TypeVar

from sqlalchemy import JSON, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

_UNWANTED = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff]")
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c]")


def clean_text(value: str) -> str:
    """``value`` without C0 controls (but tab and newline) and lone surrogates."""
    if _UNWANTED.search(value) is None:  # the common case: one scan, no copy
        return value
    return _UNWANTED.sub("", _LINE_BREAKS.sub("\n", value))


def clean_json(value: Any) -> Any:
    """``clean_text`` applied to every string (keys too) inside a JSON-able value."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_json(k): clean_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_json(v) for v in value]
    return value


T = TypeVar("T")


def clean_record(record: T) -> T:
    """A (frozen) dataclass record with every string inside it cleaned, nested records and
    tuples included; the same object when nothing needed cleaning (the common case)."""
    return _clean_any(record)  # type: ignore[no-any-return]


def _clean_any(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, tuple):
        cleaned = tuple(_clean_any(v) for v in value)
        return value if all(a is b for a, b in zip(cleaned, value, strict=True)) else cleaned
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            new = _clean_any(old)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value  # dates, numbers, enums (a StrEnum is a str, but its values are ours)


class CleanText(TypeDecorator[str]):
    """TEXT whose bound values are cleaned (queries compare against clean values too)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return clean_text(value) if isinstance(value, str) else value


class CleanJSON(TypeDecorator[Any]):
    """JSON whose strings are cleaned before serialising."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return clean_json(value)
