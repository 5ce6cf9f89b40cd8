"""Registry of publishing platforms: adding one is a module here and one line below."""

from __future__ import annotations

from harvester.platforms import dynasty
from harvester.platforms.base import Platform

PLATFORMS: dict[str, Platform] = {
    "dynasty": dynasty.PLATFORM,
}

__all__ = ["PLATFORMS", "Platform"]
