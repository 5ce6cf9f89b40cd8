"""Municipalities, organisations and sources: stored from the config, looked up by name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session

from pykala.storage import models
from pykala.storage.db import ArchiveError, ArchiveSession


class UnknownSourceError(ArchiveError):
    """A page or parse names a source that sync_sources has not stored."""


class SourceLike(Protocol):
    """What sync_sources needs of a source (harvester.sources.SourceConfig fits)."""

    @property
    def name(self) -> str: ...
    @property
    def platform(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def municipality_code(self) -> str | None: ...
    @property
    def enabled(self) -> bool: ...


class OrganisationLike(Protocol):
    """What sync_sources stores of an organisation (harvester.organisations.Organisation)."""

    @property
    def code(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def name_fi(self) -> str: ...
    @property
    def name_sv(self) -> str | None: ...
    @property
    def members(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class _OwnOrganisation:
    """A municipality as the organisation of itself."""

    code: str
    type: str
    name_fi: str
    name_sv: str | None
    members: tuple[str, ...]


class MunicipalityLike(Protocol):
    @property
    def name_fi(self) -> str: ...
    @property
    def name_sv(self) -> str | None: ...
    @property
    def region(self) -> str | None: ...
    @property
    def wellbeing_county(self) -> str | None: ...


def sync_sources(
    session: Session,
    sources: Sequence[SourceLike],
    municipalities: Mapping[str, MunicipalityLike],
) -> None:
    """Insert or update municipalities, organisations and sources. Every municipality is
    also an organisation of its own; a source's ``organisation`` (when it has one; older
    callers give only ``municipality_code``) is stored with its members. Sources missing
    from the list stay (their pages and items are archive history); disable them in the
    config instead."""
    stored_municipalities = {m.code: m for m in session.scalars(select(models.Municipality))}
    for code, ref in municipalities.items():
        mrow = stored_municipalities.get(code)
        if mrow is None:
            mrow = models.Municipality(code=code)
            session.add(mrow)
        mrow.name_fi = ref.name_fi
        mrow.name_sv = ref.name_sv
        mrow.region = ref.region
        mrow.wellbeing_county = ref.wellbeing_county
    session.info.pop(_SOURCE_IDS, None)
    session.info.pop(_SIBLINGS, None)
    known_codes = set(stored_municipalities) | set(municipalities)
    wanted: dict[str, OrganisationLike] = {
        code: _OwnOrganisation(code, "municipality", ref.name_fi, ref.name_sv, (code,))
        for code, ref in municipalities.items()
    }
    for source in sources:
        mcode = source.municipality_code
        if mcode is not None and mcode not in known_codes:
            raise ArchiveError(f"source {source.name}: unknown municipality code {mcode!r}")
        organisation: OrganisationLike | None = getattr(source, "organisation", None)
        if organisation is not None:
            for member in organisation.members:
                if member not in known_codes:
                    raise ArchiveError(
                        f"organisation {organisation.code}: member {member!r} is not a "
                        "known municipality code"
                    )
            wanted[organisation.code] = organisation
    session.flush()
    organisation_ids = _sync_organisations(session, wanted)
    stored_sources = {s.name: s for s in session.scalars(select(models.Source))}
    for source in sources:
        mcode = source.municipality_code
        organisation = getattr(source, "organisation", None)
        srow = stored_sources.get(source.name)
        if srow is None:
            srow = models.Source(name=source.name)
            session.add(srow)
        srow.platform = source.platform
        srow.base_url = source.base_url
        srow.municipality_code = mcode
        srow.enabled = source.enabled
        srow.organisation_id = organisation_ids.get(
            organisation.code if organisation is not None else (mcode or "")
        )
        srow.disabled_reason = getattr(source, "disabled_reason", None)
    session.flush()


def _sync_organisations(session: Session, wanted: Mapping[str, OrganisationLike]) -> dict[str, int]:
    """Store ``wanted`` with their members; the ids of every stored organisation by code."""
    stored = {o.code: o for o in session.scalars(select(models.Organisation))}
    for code, ref in wanted.items():
        row = stored.get(code)
        if row is None:
            row = stored[code] = models.Organisation(code=code)
            session.add(row)
        row.type = ref.type
        row.name_fi = ref.name_fi
        row.name_sv = ref.name_sv
    session.flush()
    members: dict[int, set[str]] = {}
    for org_id, mcode in session.execute(
        select(
            models.OrganisationMember.organisation_id, models.OrganisationMember.municipality_code
        )
    ):
        members.setdefault(org_id, set()).add(mcode)
    for code, ref in wanted.items():
        org_id = stored[code].id
        have, want = members.get(org_id, set()), set(ref.members)
        if have - want:
            session.execute(
                delete(models.OrganisationMember).where(
                    models.OrganisationMember.organisation_id == org_id,
                    models.OrganisationMember.municipality_code.in_(sorted(have - want)),
                )
            )
        session.add_all(
            models.OrganisationMember(organisation_id=org_id, municipality_code=m)
            for m in sorted(want - have)
        )
    session.flush()
    return {code: row.id for code, row in stored.items()}


_SOURCE_IDS = "pykala_source_ids"  # session.info key: source name -> id, per session
_SIBLINGS = "pykala_source_siblings"  # session.info key: source id -> the other sources' ids


# On pykala's own sessions only (storage.db.Archive makes them), not on every SQLAlchemy
# session in the process.
@event.listens_for(ArchiveSession, "after_soft_rollback")
def _forget_source_ids(session: ArchiveSession, _transaction: object) -> None:
    # A rolled-back sync_sources may have handed out ids that no longer exist.
    session.info.pop(_SOURCE_IDS, None)
    session.info.pop(_SIBLINGS, None)


def source_id_of(session: Session, source_name: str) -> int:
    """The id of the source named ``source_name`` (cached per session); UnknownSourceError
    when sync_sources never stored it."""
    cache: dict[str, int] = session.info.setdefault(_SOURCE_IDS, {})
    if source_name in cache:
        return cache[source_name]
    source_id = session.scalar(select(models.Source.id).where(models.Source.name == source_name))
    if source_id is None:
        raise UnknownSourceError(f"unknown source {source_name!r}: run sync_sources first")
    cache[source_name] = source_id
    return source_id


def sibling_source_ids(session: Session, source_id: int) -> list[int]:
    """The other sources of the same organisation (an old and a new platform, two hosts),
    cached per session; [] for a source without an organisation."""
    cache: dict[int, list[int]] = session.info.setdefault(_SIBLINGS, {})
    if source_id not in cache:
        by_org: dict[int, list[int]] = {}
        rows = session.execute(select(models.Source.id, models.Source.organisation_id))
        for sid, org_id in rows:
            if org_id is not None:
                by_org.setdefault(org_id, []).append(sid)
        org_of = {sid: org for org, sids in by_org.items() for sid in sids}
        for sid, org in org_of.items():
            cache[sid] = [other for other in by_org[org] if other != sid]
        cache.setdefault(source_id, [])
    return cache[source_id]
