"""Typed ORM models and the enums they use."""

import enum
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow


class DocType(enum.StrEnum):
    briefing = "briefing"
    report = "report"
    open_letter = "open_letter"
    qa = "qa"
    policy_brief = "policy_brief"
    other = "other"


class DatePrecision(enum.StrEnum):
    day = "day"
    month = "month"
    year = "year"


class ActorKind(enum.StrEnum):
    government = "government"
    international_organization = "international_organization"
    un_entity = "un_entity"
    state = "state"
    armed_group = "armed_group"
    civil_society = "civil_society"
    group = "group"
    other = "other"


class RecommendationKind(enum.StrEnum):
    list = "list"
    prose = "prose"


class Status(enum.StrEnum):
    unassessed = "unassessed"
    not_started = "not_started"
    in_progress = "in_progress"
    partially_implemented = "partially_implemented"
    implemented = "implemented"
    not_implemented = "not_implemented"
    superseded = "superseded"


MAX_ID = 2**31 - 1  # ids are 32-bit integers in both databases


def parse_id(ref: str | int) -> int | None:
    """The id a path or filter value names, or None when it is not a valid id."""
    if isinstance(ref, int):
        return ref if 1 <= ref <= MAX_ID else None
    return int(ref) if ref.isascii() and ref.isdigit() and 1 <= int(ref) <= MAX_ID else None


CLOSING_STATUSES = frozenset({Status.implemented, Status.not_implemented, Status.superseded})


class LinkState(enum.StrEnum):
    suggested = "suggested"
    confirmed = "confirmed"
    rejected = "rejected"


class Role(enum.StrEnum):
    reader = "reader"
    analyst = "analyst"
    admin = "admin"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as plain strings with a CHECK constraint: portable, and readable in SQL.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
    )


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Document(Timestamps, Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(String(500))
    publisher: Mapped[str] = mapped_column(String(200), index=True)
    doc_type: Mapped[DocType] = mapped_column(_enum(DocType, "doc_type"), index=True)
    published_on: Mapped[date | None] = mapped_column(Date, index=True)
    date_precision: Mapped[DatePrecision | None] = mapped_column(
        _enum(DatePrecision, "date_precision")
    )
    url: Mapped[str | None] = mapped_column(String(2000))
    source_file: Mapped[str | None] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text, default="")


recommendation_actors = Table(
    "recommendation_actors",
    Base.metadata,
    Column(
        "recommendation_id",
        ForeignKey("recommendations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("actor_id", ForeignKey("actors.id", ondelete="CASCADE"), primary_key=True),
    # A copy of the recommendation's status, kept by triggers (migration 0004), so counts and
    # stats by actor and status read one covering index range.
    Column("status", String(32), nullable=False, server_default="unassessed"),
    Index("ix_recommendation_actors_actor_id_status", "actor_id", "status", "recommendation_id"),
)


class Actor(Base):
    __tablename__ = "actors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300), unique=True)
    # normalize_key(name): names and aliases share one case/apostrophe-insensitive key space.
    name_key: Mapped[str] = mapped_column(String(300), unique=True)
    kind: Mapped[ActorKind] = mapped_column(_enum(ActorKind, "actor_kind"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("actors.id", ondelete="SET NULL"), index=True
    )

    aliases: Mapped[list["ActorAlias"]] = relationship(
        back_populates="actor",
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="raise",
        order_by="ActorAlias.id",
    )


class ActorAlias(Base):
    __tablename__ = "actor_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("actors.id", ondelete="CASCADE"), index=True)
    alias: Mapped[str] = mapped_column(String(300))
    key: Mapped[str] = mapped_column(String(300), unique=True)

    actor: Mapped[Actor] = relationship(back_populates="aliases", lazy="raise")


class Recommendation(Timestamps, Base):
    __tablename__ = "recommendations"
    __table_args__ = (
        UniqueConstraint("document_id", "source_key"),
        Index("ix_recommendations_document_id_position", "document_id", "position"),
        # Newest-first pages walk documents by date, then each document's items in id order.
        Index("ix_recommendations_document_id_id", "document_id", "id"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    # Stable identity of an imported item within its document, so re-imports update in place.
    source_key: Mapped[str | None] = mapped_column(String(500))
    label: Mapped[str | None] = mapped_column(String(50))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[RecommendationKind] = mapped_column(
        _enum(RecommendationKind, "recommendation_kind"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    addressee_raw: Mapped[str | None] = mapped_column(String(1000))
    theme: Mapped[str | None] = mapped_column(String(500), index=True)
    source_start: Mapped[int | None] = mapped_column(Integer)
    source_end: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[Status] = mapped_column(
        _enum(Status, "status"), default=Status.unassessed, index=True
    )
    status_as_of: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    # Every UPDATE bumps version and checks the old one: a lost update becomes StaleDataError.
    __mapper_args__ = {"version_id_col": version}

    document: Mapped[Document] = relationship(lazy="raise")
    actors: Mapped[list[Actor]] = relationship(
        secondary=recommendation_actors, lazy="raise", order_by=Actor.name
    )


class StatusChange(Base):
    """One assessment of a recommendation; rows are appended, never updated or deleted."""

    __tablename__ = "status_changes"
    __table_args__ = (
        Index(
            "ix_status_changes_recommendation_id_as_of",
            "recommendation_id",
            "as_of",
            "recorded_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE")
    )
    previous_status: Mapped[Status] = mapped_column(_enum(Status, "previous_status"))
    status: Mapped[Status] = mapped_column(_enum(Status, "status"))
    as_of: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(String(2000))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecommendationLink(Base):
    """Two recommendations that say the same thing; stored once, low id first, read both ways."""

    __tablename__ = "recommendation_links"
    __table_args__ = (
        UniqueConstraint("low_id", "high_id"),
        CheckConstraint("low_id < high_id", name="ordered_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    low_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id", ondelete="CASCADE"))
    high_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), index=True
    )
    # Text similarity, 0-100; null for a link an analyst made that the matcher did not find.
    score: Mapped[float | None]
    state: Mapped[LinkState] = mapped_column(
        _enum(LinkState, "link_state"), default=LinkState.suggested
    )
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    hashed_secret: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
