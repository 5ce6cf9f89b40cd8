"""Organisations that publish minutes: municipalities, wellbeing services counties, joint
authorities and others, each with its member municipalities.

The shipped ones come from the reference tables in ``data/``: every municipality of
``municipalities.csv`` (its own only member) and every wellbeing services county of
``reference/wellbeing_counties.csv`` (members: the municipalities the municipality table
puts in it). A sources file declares any other organisation (a joint authority such as a
regional waste or transport authority) in an ``[[organisation]]`` table::

    [[organisation]]
    code = "2274241-9"          # Business ID (Y-tunnus) for a joint authority
    type = "joint_authority"    # municipality, wellbeing_county, joint_authority, other
    name_fi = "Helsingin seudun ympäristöpalvelut -kuntayhtymä"
    name_sv = "Samkommunen Helsingforsregionens miljötjänster"   # optional
    members = ["091", "049", "092", "235"]   # municipality codes

The members give the organisation's region(s) and county(ies) in exports and filters.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

DATA_DIR = Path(__file__).parent / "data"
COUNTIES_CSV = DATA_DIR / "reference" / "wellbeing_counties.csv"

MUNICIPALITY = "municipality"
WELLBEING_COUNTY = "wellbeing_county"
JOINT_AUTHORITY = "joint_authority"
OTHER = "other"
TYPES = (MUNICIPALITY, WELLBEING_COUNTY, JOINT_AUTHORITY, OTHER)
# The county codes of Statistics Finland's classification that are not counties:
# 90 Helsinki (organises the services itself) and 91 Åland.
NOT_COUNTIES = frozenset({"90", "91"})

_BUSINESS_ID = re.compile(r"\d{7}-\d")
_FIELDS = ("code", "type", "name_fi", "name_sv", "members")


class MunicipalityRow(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def name_fi(self) -> str: ...
    @property
    def name_sv(self) -> str: ...
    @property
    def wellbeing_county_fi(self) -> str: ...


@dataclass(frozen=True)
class Organisation:
    code: str  # municipality code "297", county code "13", Business ID "2274241-9"
    type: str  # one of TYPES
    name_fi: str
    name_sv: str | None
    members: tuple[str, ...]  # municipality codes, sorted


def business_id_problem(code: str) -> str | None:
    """None for a well-formed Finnish Business ID ("1234567-8" with a valid check digit)."""
    if not _BUSINESS_ID.fullmatch(code):
        return "a Business ID has the form 1234567-8"
    weights = (7, 9, 10, 5, 8, 4, 2)
    remainder = sum(int(d) * w for d, w in zip(code[:7], weights, strict=True)) % 11
    if remainder == 1:
        return "not a valid Business ID (no check digit fits its first seven digits)"
    check = 0 if remainder == 0 else 11 - remainder
    if int(code[-1]) != check:
        return f"not a valid Business ID: its check digit should be {check}"
    return None


def shipped_organisations(
    municipalities: Mapping[str, MunicipalityRow],
) -> dict[str, Organisation]:
    """Every municipality and every wellbeing services county, keyed on code."""
    orgs = {
        code: Organisation(code, MUNICIPALITY, m.name_fi, m.name_sv or None, (code,))
        for code, m in municipalities.items()
    }
    for row in _county_rows():
        if row["county_code"] in NOT_COUNTIES:
            continue
        members = tuple(
            sorted(c for c, m in municipalities.items() if m.wellbeing_county_fi == row["name_fi"])
        )
        orgs[row["county_code"]] = Organisation(
            row["county_code"], WELLBEING_COUNTY, row["name_fi"], row["name_sv"] or None, members
        )
    return orgs


@cache
def _county_rows() -> tuple[dict[str, str], ...]:
    with COUNTIES_CSV.open(encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


def parse_organisation(
    entry: dict[str, Any],
    known: Mapping[str, Organisation],
    fail: Callable[[str, str], Exception],
) -> Organisation:
    """One ``[[organisation]]`` table; ``known`` are the organisations already defined
    (the shipped ones and earlier tables), ``fail(field, problem)`` makes the error."""
    for key in ("code", "type", "name_fi"):
        if key not in entry:
            raise fail(key, "missing")
    for key in entry:
        if key not in _FIELDS:
            raise fail(key, f"unknown key (allowed: {', '.join(_FIELDS)})")
    for key in ("code", "type", "name_fi", "name_sv"):
        if key in entry and (not isinstance(entry[key], str) or not entry[key].strip()):
            raise fail(key, "must be a non-empty string")
    code, kind, name_fi = (entry[k].strip() for k in ("code", "type", "name_fi"))
    if kind not in TYPES:
        raise fail("type", f"unknown type {kind!r} (known: {', '.join(TYPES)})")
    if kind in (MUNICIPALITY, WELLBEING_COUNTY):
        raise fail("type", f"{kind} organisations are shipped with pykala; use their codes")
    if code in known:
        raise fail("code", f"{code!r} is already the code of {known[code].name_fi}")
    if kind == JOINT_AUTHORITY:
        problem = business_id_problem(code)
        if problem is not None:
            raise fail("code", f"{code!r}: {problem}")
    members = entry.get("members", [])
    if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
        raise fail("members", 'must be a list of quoted municipality codes such as ["297"]')
    if kind == JOINT_AUTHORITY and not members:
        raise fail("members", "a joint authority needs at least one member municipality")
    for member in members:
        other = known.get(member.strip())
        if other is None:
            raise fail("members", f"{member!r} is not a municipality code")
        if other.type != MUNICIPALITY:
            raise fail(
                "members",
                f"{member!r} is not a municipality ({other.name_fi} is a {other.type})",
            )
    name_sv = entry["name_sv"].strip() if "name_sv" in entry else None
    return Organisation(code, kind, name_fi, name_sv, tuple(sorted({m.strip() for m in members})))
