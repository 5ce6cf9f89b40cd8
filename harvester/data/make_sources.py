"""Generate ``sources.toml`` from the publishing-systems reference tables.

One command regenerates the shipped file from the shipped tables
(``reference/publishing_systems.csv`` for municipalities and
``reference/wellbeing_county_publishing_systems.csv`` for the wellbeing services counties,
both described in ``reference/README.md``)::

    python -m pykala.harvester.data.make_sources

``python -m pykala.harvester.data.make_sources OTHER.csv --output OUT.toml`` reads another
municipality table (same columns) or writes elsewhere; ``--output -`` writes to standard
output.

Every row on a platform pykala harvests becomes one ``[[source]]``: first the ``dynasty``
rows of municipalities (their names are those of earlier releases), then the other
municipality rows, then the counties'. A source is shipped enabled only when the tables
name one address for its organisation and record no doubt about it; otherwise it is
shipped with ``enabled = false`` and the reason (see ``disabled_reason``). Rows pykala
cannot harvest (another platform, no usable address) are listed as comments at the end.
The name is a slug of the organisation's name ("Mänttä-Vilppula" → "mantta-vilppula"); a
second Dynasty URL gets "-2", another platform "-<platform>". The table's ``source`` column
is kept as a comment so every entry can be traced to the claim it came from.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pykala.harvester.platforms import crawl_rules
from pykala.harvester.sourcesfile import source_lines

DATA_DIR = Path(__file__).resolve().parent
REFERENCE_CSV = DATA_DIR / "reference" / "publishing_systems.csv"
COUNTIES_CSV = DATA_DIR / "reference" / "wellbeing_county_publishing_systems.csv"
SOURCES_TOML = DATA_DIR / "sources.toml"

# The reference's system → pykala platform, for the systems pykala harvests.
PLATFORM_OF = {
    "dynasty": "dynasty",
    "cloudnc": "cloudnc",
    "tweb": "tweb",
    "website-pdf": "pdf",
    "wordpress-pdf": "pdf",
}
# Statistics Finland's county code 90 is Helsinki, which publishes as the municipality.
COUNTY_AS_MUNICIPALITY = {"90": "091"}
# Words in a county row's note that mean its address is in doubt.
_DOUBT = ("disputed", "not verified", "older instance", "typo")
# Platforms whose reference addresses pykala has shipped enabled since its first release;
# an address on any other platform is new and waits for `pykala sources check`.
SHIPPED_ENABLED = frozenset({"dynasty"})
UNCONFIRMED_REASON = (
    "not confirmed: no harvest has read this address yet; `pykala sources check --source "
    "{name}` checks it and `--write FILE` writes it enabled"
)
PDF_REASON = (
    "the address is the web site that lists the minutes, not a PDF file: give the PDF "
    "addresses as start_urls, then enable"
)


@dataclass(frozen=True)
class Row:
    """One claim: organisation ``code`` publishes on ``system`` at ``base_url``."""

    code: str
    name: str
    system: str
    base_url: str
    source: str
    note: str = ""


def slug(name: str) -> str:
    """ASCII, lower-case, words joined by '-': "Koski Tl" → "koski-tl", "Brändö" → "brando"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def municipality_rows(rows: Iterable[dict[str, str]]) -> list[Row]:
    return [Row(r["code"], r["name_fi"], r["system"], r["base_url"], r["source"]) for r in rows]


def county_rows(rows: Iterable[dict[str, str]]) -> list[Row]:
    return [
        Row(
            COUNTY_AS_MUNICIPALITY.get(r["county_code"], r["county_code"]),
            r["county_fi"],
            r["system"],
            r["base_url"],
            r["source"],
            r["note"],
        )
        for r in rows
    ]


def _problem(row: Row) -> str | None:
    """Why ``row`` cannot be a source at all, or None."""
    platform = PLATFORM_OF.get(row.system)
    if platform is None:
        return f"pykala does not harvest {row.system}"
    if not row.base_url:
        return "no address"
    bad = crawl_rules(platform).check_base_url(row.base_url)
    return None if bad is None else f"address not usable as a {platform} source ({bad})"


def _disabled_reason(row: Row, addresses: int, name: str) -> str | None:
    if addresses > 1:
        reason = (
            f"not confirmed: the reference gives {addresses} addresses for {row.name}; "
            "enable the one that answers"
        )
        return f"{reason} ({row.note})" if row.note else reason
    if any(word in row.note for word in _DOUBT):
        return f"not confirmed: {row.note}"
    if PLATFORM_OF[row.system] == "pdf":
        return PDF_REASON
    if PLATFORM_OF[row.system] not in SHIPPED_ENABLED:
        return UNCONFIRMED_REASON.format(name=name)
    return None


def render(rows: Iterable[Row]) -> str:
    out = [
        "# pykala sources: one [[source]] per publisher. Generated by",
        "# `python -m pykala.harvester.data.make_sources` from the reference tables in",
        "# harvester/data/reference/ (their README says where they come from); the comment",
        "# above each entry is the table's source column. A source the tables are not sure",
        "# of is shipped with enabled = false and the reason.",
        "",
    ]
    seen: set[tuple[str, str]] = set()
    usable: list[Row] = []
    skipped: list[tuple[Row, str]] = []
    for row in rows:
        problem = _problem(row)
        if problem is not None:
            if (row.code, row.system, row.base_url) not in {
                (r.code, r.system, r.base_url) for r, _ in skipped
            }:
                skipped.append((row, problem))
        elif (row.code, row.base_url) not in seen:
            seen.add((row.code, row.base_url))
            usable.append(row)
    # Dynasty first: their names must stay those of earlier releases.
    usable.sort(key=lambda r: r.system != "dynasty")
    addresses = Counter(r.code for r in usable)
    names: set[str] = set()
    dynasty_count: Counter[str] = Counter()
    for row in usable:
        platform = PLATFORM_OF[row.system]
        base = slug(row.name)
        if platform == "dynasty":
            dynasty_count[base] += 1
            name = base if dynasty_count[base] == 1 else f"{base}-{dynasty_count[base]}"
        else:
            name = base if base not in names else f"{base}-{platform}"
            n = 2
            while name in names:
                name, n = f"{base}-{platform}-{n}", n + 1
        names.add(name)
        reason = _disabled_reason(row, addresses[row.code], name)
        out += source_lines(
            name=name,
            platform=platform,
            base_url=row.base_url,
            organisation=row.code,
            enabled=reason is None,
            disabled_reason=reason,
            comment=f"{row.name}; source: {row.source}",
        )
    if skipped:
        out.append("# Not harvested (no source above): organisation, system, address, why.")
        for row, problem in skipped:
            out.append(f"# {row.name} ({row.code}): {row.system} {row.base_url or '-'}: {problem}")
        out.append("")
    return "\n".join(out)


def generate(csv_path: Path = REFERENCE_CSV, counties_path: Path | None = COUNTIES_CSV) -> str:
    """The sources file made from the municipality table at ``csv_path`` and the county
    table at ``counties_path`` (None: no counties)."""
    with csv_path.open(encoding="utf-8", newline="") as f:
        rows = municipality_rows(csv.DictReader(f))
    if counties_path is not None:
        with counties_path.open(encoding="utf-8", newline="") as f:
            rows += county_rows(csv.DictReader(f))
    return render(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pykala.harvester.data.make_sources",
        description="Generate sources.toml from the publishing-systems reference tables.",
    )
    parser.add_argument(
        "csv",
        nargs="?",
        type=Path,
        default=REFERENCE_CSV,
        help="the municipality table to read (default: the shipped "
        "reference/publishing_systems.csv; the shipped county table is read with it)",
    )
    parser.add_argument(
        "-o",
        "--output",
        default=str(SOURCES_TOML),
        help="where to write, '-' for standard output (default: the shipped sources.toml)",
    )
    args = parser.parse_args(argv)
    text = generate(args.csv, COUNTIES_CSV)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
