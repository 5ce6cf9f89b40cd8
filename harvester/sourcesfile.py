"""Write a sources file (the format harvester.sources reads): ``[[organisation]]`` tables
for the organisations pykala does not ship, then one ``[[source]]`` per source.

Used by ``data/make_sources.py``; anything that writes a confirmed or edited sources file
should go through ``render_sources`` so the result loads again unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from pykala.harvester.organisations import JOINT_AUTHORITY, OTHER, Organisation
from pykala.harvester.sources import SourceConfig


def toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c >= " " else f"\\u{ord(c):04x}" for c in escaped) + '"'


def source_lines(
    *,
    name: str,
    platform: str,
    base_url: str,
    organisation: str | None,
    enabled: bool = True,
    disabled_reason: str | None = None,
    start_urls: Sequence[str] = (),
    comment: str | None = None,
) -> list[str]:
    """One ``[[source]]`` table and a blank line; ``comment`` goes above it."""
    lines = [f"# {' '.join(comment.split())}"] if comment else []
    lines += [
        "[[source]]",
        f"name = {toml_string(name)}",
        f"platform = {toml_string(platform)}",
        f"base_url = {toml_string(base_url)}",
    ]
    if organisation is not None:
        lines.append(f"organisation = {toml_string(organisation)}")
    if not enabled:
        lines.append("enabled = false")
        if disabled_reason:
            lines.append(f"disabled_reason = {toml_string(disabled_reason)}")
    if start_urls:
        lines.append(f"start_urls = [{', '.join(toml_string(u) for u in start_urls)}]")
    return [*lines, ""]


def organisation_lines(organisation: Organisation) -> list[str]:
    lines = [
        "[[organisation]]",
        f"code = {toml_string(organisation.code)}",
        f"type = {toml_string(organisation.type)}",
        f"name_fi = {toml_string(organisation.name_fi)}",
    ]
    if organisation.name_sv:
        lines.append(f"name_sv = {toml_string(organisation.name_sv)}")
    lines.append(f"members = [{', '.join(toml_string(m) for m in organisation.members)}]")
    return [*lines, ""]


def render_sources(sources: Iterable[SourceConfig], header: Sequence[str] = ()) -> str:
    """The text of a sources file holding ``sources`` (as loaded: enabled or not, with
    their reasons) and the organisations they name that the file must declare."""
    sources = list(sources)
    out = [f"# {line}" if line else "" for line in header]
    if out:
        out.append("")
    declared: dict[str, Organisation] = {}
    for source in sources:
        org = source.organisation
        if org is not None and org.type in (JOINT_AUTHORITY, OTHER):
            declared.setdefault(org.code, org)
    for organisation in declared.values():
        out += organisation_lines(organisation)
    for source in sources:
        out += source_lines(
            name=source.name,
            platform=source.platform,
            base_url=source.base_url,
            organisation=source.organisation_code,
            enabled=source.enabled,
            disabled_reason=source.disabled_reason,
            start_urls=source.start_urls,
        )
    return "\n".join(out)


def write_sources(path: Path, sources: Iterable[SourceConfig], header: Sequence[str] = ()) -> None:
    """Write ``render_sources`` to ``path`` (whole file, UTF-8)."""
    path.write_text(render_sources(sources, header), encoding="utf-8")
