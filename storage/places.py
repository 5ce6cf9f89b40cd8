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
    munis = {m.code: m for m in session.scalars(select(models.Municipality))}
    orgs = {o.id: o for o in session.scalars(select(models.Organisation))}
    members: dict[int, list[str]] = {}
    for org_id, code in session.execute(
        select(
            models.OrganisationMember.organisation_id, models.OrganisationMember.municipality_code
        )
    ):
        members.setdefault(org_id, []).append(code)
    places: dict[int, Place] = {}
    for source_id, source_org_id, own_code in session.execute(
        select(models.Source.id, models.Source.organisation_id, models.Source.municipality_code)
    ):
        org = orgs.get(source_org_id) if source_org_id is not None else None
        place = Place()
        codes = members.get(org.id, []) if org else ([own_code] if own_code else [])
        if org is not None:
            place.organisation_code = org.code
            place.organisation = org.name_fi
            place.organisation_sv = org.name_sv
            place.organisation_type = org.type
        own = org is None or org.type == "municipality"
        muni_code = (org.code if org else own_code) if own else None
        muni = munis.get(muni_code) if muni_code else None
        if muni is not None:
            place.municipality_code = muni.code
            place.municipality = muni.name_fi
            place.municipality_sv = muni.name_sv
        in_members = [munis[c] for c in codes if c in munis]
        place.regions = sorted({m.region for m in in_members if m.region})
        place.counties = sorted({m.wellbeing_county for m in in_members if m.wellbeing_county})
        places[source_id] = place
    return places
