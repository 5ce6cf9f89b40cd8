"""Where a source's items come from: its organisation, and the municipalities, regions and
counties of the organisation's members. Exports and filters read places through here.

A municipality is its own only member; a wellbeing county or a joint authority may have
members in several regions, so ``regions`` and ``counties`` are lists. A source stored
before organisations existed (no organisation_id) falls back to its municipality.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import models


@dataclass
class Place:
    organisation_code: str | None = None
    organisation: str | None = None  # Finnish name
    organisation_sv: str | None = None
    organisation_type: str | None = None
    municipality_code: str | None = None  # only when the organisation is a municipality
    municipality: str | None = None
    municipality_sv: str | None = None
    regions: list[str] = field(default_factory=list)  # distinct, sorted
    counties: list[str] = field(default_factory=list)

    @property
    def region(self) -> str | None:
        return "; ".join(self.regions) or None

    @property
    def county(self) -> str | None:
        return "; ".join(self.counties) or None


def source_places(session: Session) -> dict[int, Place]:
    """The place of every stored source, by source id (a few hundred rows: one query each
    for sources, organisations and members)."""
    # Plain columns, not ORM entities: this runs for every filter and export.
    muni_t = models.Municipality
    munis = {
        code: (name_fi, name_sv, region, county)
        for code, name_fi, name_sv, region, county in session.execute(
            select(
                muni_t.code, muni_t.name_fi, muni_t.name_sv, muni_t.region, muni_t.wellbeing_county
            )
        )
    }
    org_t = models.Organisation
    orgs = {
        org_id: (code, kind, name_fi, name_sv)
        for org_id, code, kind, name_fi, name_sv in session.execute(
            select(org_t.id, org_t.code, org_t.type, org_t.name_fi, org_t.name_sv)
        )
    }
    members: dict[int, list[str]] = {}
    for org_id, code in session.execute(
        select(
            models.OrganisationMember.organisation_id, models.OrganisationMember.municipality_code
        )
    ):
        members.setdefault(org_id, []).append(code)
    places: dict[int, Place] = {}
    for source_id, source_org, own_code in session.execute(
        select(models.Source.id, models.Source.organisation_id, models.Source.municipality_code)
    ):
        place = Place()
        org = orgs.get(source_org) if source_org is not None else None
        if org is None:
            muni_code, codes = own_code, [own_code] if own_code else []
        else:
            code, kind, place.organisation, place.organisation_sv = org
            place.organisation_code, place.organisation_type = code, kind
            muni_code = code if kind == "municipality" else None
            codes = members.get(source_org, []) if source_org is not None else []
        muni = munis.get(muni_code) if muni_code else None
        if muni is not None:
            place.municipality_code = muni_code
            place.municipality, place.municipality_sv = muni[0], muni[1]
        in_members = [munis[c] for c in codes if c in munis]
        place.regions = sorted({m[2] for m in in_members if m[2]})
        place.counties = sorted({m[3] for m in in_members if m[3]})
        places[source_id] = place
    return places
