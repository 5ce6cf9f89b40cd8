"""ParseResult → plain JSON-able data (golden files, ``--json`` output). Lossless and stable."""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import Enum
from typing import Any

from pykala.parsers.records import ParseResult


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def to_jsonable(result: ParseResult) -> dict[str, Any]:
    """Every field of the result, enums as their values and dates as ISO strings."""
    data: dict[str, Any] = _plain(result)
    return data
