"""What a page shows about itself, for a probe: title, generator, links, and whose it is.

Pure functions over the fetched bytes. ``page_facts`` reads the title, the generator meta
tag and the links of an HTML page (anything else gives its content type only);
``guess_municipality`` finds a municipality's name in the title or the host (``Kuopion
kaupunki``, ``kuopio.oncloudos.com``), a guess the user confirms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

from pykala.parsers.html import clean_text, decode, plain, xml_safe
from pykala.parsers.urls import BadUrl, normalise_url


@dataclass(frozen=True)
class PageFacts:
    content_type: str | None
    title: str | None = None
    generator: str | None = None
    links: tuple[tuple[str, str], ...] = ()  # (absolute URL, link text) in page order


def _looks_html(body: bytes, content_type: str | None) -> bool:
    if content_type and "html" in content_type.lower():
        return True
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<head" in head


def page_facts(url: str, content_type: str | None, body: bytes) -> PageFacts:
    """Title, generator and links of an HTML page; only the content type of anything else."""
    if not _looks_html(body, content_type):
        return PageFacts(content_type)
    try:
        root = lxml.html.document_fromstring(xml_safe(decode(body, content_type)))
    except (etree.ParserError, ValueError):
        return PageFacts(content_type)
    title_el = root.find(".//title")
    title = plain(clean_text(title_el.text_content())) if title_el is not None else None
    generator = None
    for meta in root.iter("meta"):
        if (meta.get("name") or "").lower() == "generator":
            generator = plain(meta.get("content") or "") or None
            break
    links: list[tuple[str, str]] = []
    for a in root.iter("a"):
        href = a.get("href")
        if not href or href.startswith(("mailto:", "javascript:", "tel:", "#")):
            continue
        try:
            absolute = normalise_url(href, base=url)
        except BadUrl:
            continue
        if absolute.startswith(("http://", "https://")):
            links.append((absolute, plain(clean_text(a.text_content()))))
    return PageFacts(content_type, title or None, generator, tuple(links))


_FOLD = str.maketrans("äöåÄÖÅ", "aoaAOA")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


def _fold(text: str) -> str:
    return text.translate(_FOLD).lower()


def _matches(word: str, name: str) -> bool:
    """``word`` is ``name`` or an inflected form of it (Kuopion, Helsingin, Vantaan)."""
    if word == name:
        return True
    if len(name) < 4:
        return False
    common = 0
    for a, b in zip(word, name, strict=False):
        if a != b:
            break
        common += 1
    return common >= max(4, len(name) - 2) and len(word) <= len(name) + 3


def guess_municipality(
    texts: list[tuple[str, str]], names: dict[str, str]
) -> tuple[str, str] | None:
    """(code, why) of the first municipality named in ``texts`` ((where, text) pairs, best
    first), matching ``names`` (code → Finnish name); None when none is named."""
    folded = {code: _fold(name) for code, name in names.items()}
    # Longer names first: "Pedersören kunta" is not "Pedersöre" … nor a shorter name inside.
    ordered = sorted(folded.items(), key=lambda kv: len(kv[1]), reverse=True)
    for where, text in texts:
        words = [_fold(w) for w in _WORD.findall(text)]
        for code, name in ordered:
            if any(_matches(w, name) for w in words):
                return code, f"{names[code]} in the {where}"
    return None


def host_words(url: str) -> str:
    """The host and first path segment as words ("publish kuopio fi"): a fixture site keeps
    the original host there, and tenants are named after their municipality."""
    rest = url.split("://", 1)[-1]
    host, _, path = rest.partition("/")
    first = path.split("/", 1)[0]
    text = f"{host.split(':')[0]} {first}"
    return re.sub(r"[^A-Za-z]+", " ", text)
