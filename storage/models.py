"""SQLAlchemy models: the archive's tables (DESIGN.md §3).

Portable column types only, so SQLite and PostgreSQL get the same schema; text and JSON
columns drop control characters on the way in (storage.clean). Every table has
an integer surrogate key (cheap joins); natural keys are UNIQUE constraints and are what
upserts look rows up by. Ids that come from publishers are TEXT (Dynasty meeting ids have
no fixed width). Timestamps are stored in UTC; SQLite hands them back naive.

The full-text index is not a model: it is dialect-specific (an FTS5 virtual table on
SQLite, a tsvector table on PostgreSQL) and lives in the migration and `storage.search`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Every text and JSON column cleans what it stores (NUL and other control characters).
from .clean import CleanJSON, CleanText

# Deterministic constraint names keep Alembic migrations reproducible on both dialects.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


UtcDateTime = DateTime(timezone=True)


class Municipality(Base):
    """A municipality from the Statistics Finland reference table."""

    __tablename__ = "municipality"

    code: Mapped[str] = mapped_column(CleanText, primary_key=True)  # "297" (Kuopio)
    name_fi: Mapped[str] = mapped_column(CleanText)
    name_sv: Mapped[str | None] = mapped_column(CleanText)
    region: Mapped[str | None] = mapped_column(CleanText)  # maakunta
    wellbeing_county: Mapped[str | None] = mapped_column(CleanText)  # hyvinvointialue


class Organisation(Base):
    """Who decides: a municipality, wellbeing services county, joint authority or other.

    Its members (organisation_member) give its region(s) and county(ies); a municipality
    is its own only member.
    """

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Municipality code "297", county code "13", Business ID "2274241-9".
    code: Mapped[str] = mapped_column(CleanText, unique=True)
    type: Mapped[str] = mapped_column(CleanText)  # harvester.organisations.TYPES
    name_fi: Mapped[str] = mapped_column(CleanText)
    name_sv: Mapped[str | None] = mapped_column(CleanText)


class OrganisationMember(Base):
    __tablename__ = "organisation_member"
    __table_args__ = (UniqueConstraint("organisation_id", "municipality_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    municipality_code: Mapped[str] = mapped_column(
        CleanText, ForeignKey("municipality.code"), index=True
    )


class Source(Base):
    """One publisher on one platform, belonging to an organisation."""

    __tablename__ = "source"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(CleanText, unique=True)
    platform: Mapped[str] = mapped_column(CleanText)
    base_url: Mapped[str] = mapped_column(CleanText)
    # The organisation's code when it is a municipality (kept for the views that predate
    # organisations); None for a county or joint authority.
    municipality_code: Mapped[str | None] = mapped_column(
        CleanText, ForeignKey("municipality.code"), index=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    disabled_reason: Mapped[str | None] = mapped_column(CleanText)


class Body(Base):
    """A toimielin (council, board, committee) of a source."""

    __tablename__ = "body"
    __table_args__ = (UniqueConstraint("source_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(CleanText)
    external_id: Mapped[str | None] = mapped_column(CleanText)  # Dynasty TELIN-<id>


class RawPage(Base):
    """Response bytes, stored once per distinct content."""

    __tablename__ = "raw_page"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(CleanText, unique=True)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)


class Page(Base):
    """The last fetch of one URL of a source: HTTP metadata and parse status."""

    __tablename__ = "page"
    __table_args__ = (UniqueConstraint("source_id", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(CleanText)
    final_url: Mapped[str | None] = mapped_column(CleanText)
    status: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(CleanText)
    etag: Mapped[str | None] = mapped_column(CleanText)
    last_modified: Mapped[str | None] = mapped_column(CleanText)  # as sent, echoed back verbatim
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)
    raw_page_id: Mapped[int | None] = mapped_column(ForeignKey("raw_page.id"), index=True)
    page_kind: Mapped[str] = mapped_column(CleanText)
    parse_error: Mapped[str | None] = mapped_column(CleanText)
    parsed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Meeting(Base):
    """One meeting of a body; its kind moves from esityslista to poytakirja over time."""

    __tablename__ = "meeting"
    __table_args__ = (UniqueConstraint("source_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(CleanText)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"), index=True)
    date: Mapped[date | None] = mapped_column(Date, index=True)
    kind: Mapped[str | None] = mapped_column(CleanText)  # parsers.records.MeetingKind value
    status: Mapped[str | None] = mapped_column(CleanText)
    url: Mapped[str | None] = mapped_column(CleanText)
    pdf_url: Mapped[str | None] = mapped_column(CleanText)


class Item(Base):
    """One decision item (asia, §): the current content; earlier ones are in item_version.

    body_id, meeting_date and meeting_kind are what the item page itself printed, so an
    item is complete (and filterable without joins) even before its meeting page is seen.
    """

    __tablename__ = "item"
    __table_args__ = (UniqueConstraint("source_id", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"))
    external_id: Mapped[str] = mapped_column(CleanText)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id"), index=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("body.id"), index=True)
    meeting_date: Mapped[date | None] = mapped_column(Date, index=True)
    meeting_kind: Mapped[str | None] = mapped_column(CleanText)
    position: Mapped[int | None] = mapped_column(Integer)
    paragraph: Mapped[str | None] = mapped_column(CleanText)  # "48", "48 a"
    diary_number: Mapped[str | None] = mapped_column(CleanText)
    diary_number_normalised: Mapped[str | None] = mapped_column(CleanText, index=True)
    title: Mapped[str] = mapped_column(CleanText)
    url: Mapped[str] = mapped_column(CleanText)
    pdf_url: Mapped[str | None] = mapped_column(CleanText)
    language: Mapped[str] = mapped_column(CleanText, default="fi")
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    last_changed: Mapped[datetime] = mapped_column(UtcDateTime)
    content_hash: Mapped[str] = mapped_column(CleanText)
    raw_page_id: Mapped[int | None] = mapped_column(ForeignKey("raw_page.id"), index=True)
    # parsers.quality flags, space-separated; "" when the item has every field.
    quality_flags: Mapped[str] = mapped_column(CleanText, default="", server_default="")
    # analysis.decisions: what was decided (None on agendas and when no rule fits).
    outcome: Mapped[str | None] = mapped_column(CleanText, index=True)
    voted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    vote_counts: Mapped[str] = mapped_column(CleanText, default="", server_default="")
    disqualified: Mapped[str] = mapped_column(CleanText, default="", server_default="")
    dissent: Mapped[str] = mapped_column(CleanText, default="", server_default="")
    vote_details: Mapped[str] = mapped_column(CleanText, default="", server_default="")


class Section(Base):
    """A section of an item in printed order (Päätösehdotus, Päätös, ...)."""

    __tablename__ = "section"
    __table_args__ = (UniqueConstraint("item_id", "ordinal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(CleanText)  # parsers.records.SectionKind value
    heading: Mapped[str] = mapped_column(CleanText)
    text: Mapped[str] = mapped_column(CleanText)
    presenter: Mapped[str | None] = mapped_column(CleanText)


class Attachment(Base):
    __tablename__ = "attachment"
    __table_args__ = (UniqueConstraint("item_id", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    ordinal: Mapped[int] = mapped_column(Integer)
    url: Mapped[str] = mapped_column(CleanText)
    title: Mapped[str] = mapped_column(CleanText)


class ItemVersion(Base):
    """An earlier content of an item, valid from valid_from until valid_to."""

    __tablename__ = "item_version"
    __table_args__ = (UniqueConstraint("item_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)  # 1 = the first content seen
    content_hash: Mapped[str] = mapped_column(CleanText)
    content: Mapped[str] = mapped_column(CleanText)  # canonical JSON, see storage.content
    raw_page_id: Mapped[int | None] = mapped_column(ForeignKey("raw_page.id"), index=True)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime)
    valid_to: Mapped[datetime] = mapped_column(UtcDateTime)


class HarvestRun(Base):
    __tablename__ = "harvest_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    finished: Mapped[datetime | None] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(CleanText)  # running / ok / failed / ...
    counts: Mapped[dict[str, Any] | None] = mapped_column(CleanJSON)
    errors: Mapped[list[Any] | None] = mapped_column(CleanJSON)


class Topic(Base):
    """A topic definition (linking.topics) as stored when its members were last computed.

    definition_hash changes when the terms, exclusions, weights or threshold change; every
    item is then scored again (linking.membership).
    """

    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(CleanText, unique=True)
    title: Mapped[str | None] = mapped_column(CleanText)
    definition: Mapped[dict[str, Any]] = mapped_column(CleanJSON)
    definition_hash: Mapped[str] = mapped_column(CleanText)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ItemTopic(Base):
    """An item that is a member of a topic: its score and which terms matched where."""

    __tablename__ = "item_topic"
    __table_args__ = (UniqueConstraint("topic_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list[Any]] = mapped_column(CleanJSON)  # [{term, section, forms, count}, ...]


class ItemTerms(Base):
    """The lemma + compound-part terms of an item as linking analysed them.

    content_hash is the item's at analysis time: an item whose hash differs (or that has
    no row) is new or changed, and is analysed and scored again by linking.membership.
    """

    __tablename__ = "item_terms"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("item.id", ondelete="CASCADE"), primary_key=True
    )
    content_hash: Mapped[str] = mapped_column(CleanText)
    terms: Mapped[str] = mapped_column(CleanText)  # space-separated, for TF-IDF
    analysed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Link(Base):
    """A link between two items: same_case (one diary number, earlier → later) or similar
    (a decision in another municipality; score = cosine similarity)."""

    __tablename__ = "link"
    __table_args__ = (UniqueConstraint("kind", "from_item_id", "to_item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(CleanText)
    from_item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    to_item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[dict[str, Any]] = mapped_column(CleanJSON)


class LinkSettings(Base):
    """The settings the archive's similar links were computed with (one row, id 1).
    Updates after a harvest use them, so every item's links are of one kind until a
    rebuild with other settings replaces them all."""

    __tablename__ = "link_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    k: Mapped[int] = mapped_column(Integer)
    threshold: Mapped[float] = mapped_column(Float)


class CrawlQueue(Base):
    """Pages of a source still to fetch: links found but not yet fetched, and fetches that
    failed (attempts > 0). A run drains it first, so a killed or failed run's work is done
    by the next one. A row is deleted in the transaction that stores its page."""

    __tablename__ = "crawl_queue"
    __table_args__ = (UniqueConstraint("source_id", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("source.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(CleanText)
    page_kind: Mapped[str] = mapped_column(CleanText)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failed fetches so far
    reason: Mapped[str | None] = mapped_column(CleanText)  # the last failure
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_failed: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Document(Base):
    """A text that is not minutes (a programme web page, a slide deck): searchable and
    topic-linked beside the items. Keyed on ``external_id`` alone (the normalised URL, or
    "sha256:<hex>" for a file added by hand), so one document is stored once whichever
    source (or ``pykala add``) brought it; ``source_id`` is the last source that did."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(CleanText, unique=True)
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("source.id", ondelete="SET NULL"), index=True
    )
    url: Mapped[str | None] = mapped_column(CleanText)
    title: Mapped[str] = mapped_column(CleanText)
    text: Mapped[str] = mapped_column(CleanText)
    organisation: Mapped[str | None] = mapped_column(CleanText)
    dates: Mapped[list[Any]] = mapped_column(CleanJSON)  # ISO dates in order of appearance
    municipality_code: Mapped[str | None] = mapped_column(CleanText, index=True)
    region: Mapped[str | None] = mapped_column(CleanText, index=True)  # maakunta
    language: Mapped[str] = mapped_column(CleanText, default="fi")
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime)
    last_changed: Mapped[datetime] = mapped_column(UtcDateTime)
    content_hash: Mapped[str] = mapped_column(CleanText)
    raw_page_id: Mapped[int | None] = mapped_column(ForeignKey("raw_page.id"), index=True)


class DocumentVersion(Base):
    """An earlier content of a document, valid from valid_from until valid_to."""

    __tablename__ = "document_version"
    __table_args__ = (UniqueConstraint("document_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(CleanText)
    content: Mapped[str] = mapped_column(CleanText)  # canonical JSON of the document's fields
    raw_page_id: Mapped[int | None] = mapped_column(ForeignKey("raw_page.id"), index=True)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime)
    valid_to: Mapped[datetime] = mapped_column(UtcDateTime)


class DocumentTopic(Base):
    """A document that is a member of a topic (as ItemTopic for items). A table of its
    own, not a generalised item_topic: that one's foreign key to item is what export,
    search filters and topic listings join on."""

    __tablename__ = "document_topic"
    __table_args__ = (UniqueConstraint("topic_id", "document_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list[Any]] = mapped_column(CleanJSON)  # [{term, section, forms, count}, ...]


class DocumentAnalysis(Base):
    """The content hash a document was last scored at: a document whose hash differs (or
    that has no row) is new or changed and is scored again (linking.documents)."""

    __tablename__ = "document_analysis"

    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), primary_key=True
    )
    content_hash: Mapped[str] = mapped_column(CleanText)
    analysed_at: Mapped[datetime] = mapped_column(UtcDateTime)
