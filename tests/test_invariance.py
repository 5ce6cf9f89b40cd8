"""Markup invariance: an item's record does not depend on its page template.

Every Dynasty item fixture is parsed, its record rendered again through the templates of
``tests/templates.py`` (title block as label, h1+h2, div outside the data region, table cell,
paragraphs, one span; sections as Word paragraphs, tab gaps, two-column tables, headings;
entities or raw text; ISO-8859-1 or UTF-8 in a meta tag or the HTTP header), and each
rendering must parse to the same record, field by field.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from pykala.parsers import cloudnc, dynasty
from pykala.parsers.records import ItemRecord
from tests.golden import expected_path
from tests.templates import (
    CLOUD_TEMPLATES,
    TEMPLATES,
    CloudTemplate,
    Template,
    render,
    render_cloudnc,
)

ROOT = Path(__file__).resolve().parent.parent / "fixtures"
FIXTURES = ROOT / "dynasty"


def _item_fixtures(folder: Path = FIXTURES) -> list[Path]:
    out = []
    for page in sorted(folder.rglob("*")):
        golden = expected_path(page)
        if not (page.is_file() and golden.exists()):
            continue
        if json.loads(golden.read_text(encoding="utf-8"))["result"]["page_kind"] == "item":
            out.append(page)
    return out


ITEMS = _item_fixtures()
CLOUD_ITEMS = [p for p in _item_fixtures(ROOT / "cloudnc") if "/opennc" not in str(p)]


def _record(page: Path) -> ItemRecord:
    expected = json.loads(expected_path(page).read_text(encoding="utf-8"))
    parse = cloudnc.parse if "cloudnc" in page.parts else dynasty.parse
    result = parse(page.read_bytes(), expected["url"], expected["content_type"])
    (item,) = result.items
    return item


def _assert_same_record(again: ItemRecord, original: ItemRecord) -> None:
    for field in dataclasses.fields(ItemRecord):
        assert getattr(again, field.name) == getattr(original, field.name), field.name


def test_every_dynasty_item_fixture_is_covered() -> None:
    assert len(ITEMS) >= 8


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.name)
@pytest.mark.parametrize("page", ITEMS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_same_record_in_every_template(page: Path, template: Template) -> None:
    original = _record(page)
    data, content_type = render(original, template)
    (again,) = dynasty.parse(data, original.url, content_type).items
    _assert_same_record(again, original)


def test_templates_differ_in_what_they_vary() -> None:
    """The templates really do vary tags, charset and declaration (else the test is empty)."""
    item = _record(ITEMS[0])
    pages = [render(item, t) for t in TEMPLATES]
    assert len({data for data, _ in pages}) == len(TEMPLATES)
    assert {t.charset for t in TEMPLATES} == {"utf-8", "iso-8859-1"}
    assert {t.declare for t in TEMPLATES} == {"meta", "header"}
    assert any(b"<h1>" in data for data, _ in pages)
    assert any(b"<label" in data for data, _ in pages)


def test_every_cloudnc_item_fixture_is_covered() -> None:
    assert len(CLOUD_ITEMS) >= 6


@pytest.mark.parametrize("template", CLOUD_TEMPLATES, ids=lambda t: t.name)
@pytest.mark.parametrize("page", CLOUD_ITEMS, ids=lambda p: str(p.relative_to(ROOT)))
def test_same_cloudnc_record_in_every_template(page: Path, template: CloudTemplate) -> None:
    original = _record(page)
    data, content_type = render_cloudnc(original, template)
    (again,) = cloudnc.parse(data, original.url, content_type).items
    _assert_same_record(again, original)


@pytest.mark.parametrize("template", CLOUD_TEMPLATES, ids=lambda t: t.name)
def test_a_cloudnc_agenda_item_without_a_paragraph_keeps_its_title(
    template: CloudTemplate,
) -> None:
    """Agendas print no § before the title; the title is found without an <h1>."""
    page = next(p for p in CLOUD_ITEMS if "agenda" in p.name)
    original = dataclasses.replace(_record(page), paragraph=None)
    data, content_type = render_cloudnc(original, template)
    (again,) = cloudnc.parse(data, original.url, content_type).items
    assert (again.title, again.paragraph, again.sections) == (
        original.title,
        None,
        original.sections,
    )
