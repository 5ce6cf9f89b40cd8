"""Registry of publishing platforms: adding one is a module here and one line below."""

from __future__ import annotations

from collections.abc import Callable

from harvester.platforms import cloudnc, documents, dynasty, tweb
from harvester.platforms.base import Platform

PLATFORMS: dict[str, Platform] = {
    "dynasty": dynasty.PLATFORM,
    "cloudnc": cloudnc.PLATFORM,  # CloudNC web pages and the OpenNC API
    "tweb": tweb.PLATFORM,
    "pdf": documents.PDF,  # PDF files: minutes, one item, or a document
    "webpage": documents.WEBPAGE,  # web pages that are not minutes → documents
}

# Pages a platform fetches by POST: URL → (POST URL, form fields), None for a GET.
Form = Callable[[str], "tuple[str, dict[str, str]] | None"]
FORMS: dict[str, Form] = {"tweb": tweb.form}

# Platforms whose sources need not belong to one municipality (national or regional
# documents): their sources may leave out ``municipality``.
NO_MUNICIPALITY: frozenset[str] = frozenset({"pdf", "webpage"})

__all__ = ["FORMS", "NO_MUNICIPALITY", "PLATFORMS", "Form", "Platform"]
