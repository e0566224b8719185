"""Pydantic request and response models."""

from datetime import date, datetime
from typing import Annotated, Generic, Self, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.models import (
    ActorKind,
    DatePrecision,
    DocType,
    LinkState,
    RecommendationKind,
    Role,
    Status,
)


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def Text(max_length: int, min_length: int = 1) -> type[str]:  # noqa: N802  (a type factory)
    """A stripped string without NUL bytes, between min_length and max_length characters."""
    return Annotated[  # type: ignore[return-value]
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(_no_nul),
    ]


Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=200)]
Url = Annotated[
    str, StringConstraints(pattern=r"^https?://\S+$", max_length=2000), AfterValidator(_no_nul)
]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]

T = TypeVar("T")


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


class DocumentCreate(Input):
    title: Text(500)
    slug: Slug | None = None
    publisher: Text(200)
    doc_type: DocType = DocType.other
    published_on: date | None = None
    date_precision: DatePrecision | None = None
    url: Url | None = None
    source_file: Text(500) | None = None
    text: Text(5_000_000, min_length=0) = ""

    @model_validator(mode="after")
    def _precision_needs_date(self) -> Self:
        if self.date_precision is not None and self.published_on is None:
            raise ValueError("date_precision needs published_on")
        if self.published_on is not None and self.date_precision is None:
            self.date_precision = DatePrecision.day
        return self


class DocumentUpdate(Input):
    title: Text(500) | None = None
    slug: Slug | None = None
    publisher: Text(200) | None = None
    doc_type: DocType | None = None
    published_on: date | None = None
    date_precision: DatePrecision | None = None
    url: Url | None = None
    source_file: Text(500) | None = None
    text: Text(5_000_000, min_length=0) | None = None


class DocumentRead(Output):
    id: int
    slug: str
    title: str
    publisher: str
    doc_type: DocType
    published_on: date | None
    date_precision: DatePrecision | None
    url: str | None
    source_file: str | None
    created_at: datetime
    updated_at: datetime


class DocumentRef(Output):
    id: int
    slug: str
    title: str
    publisher: str
    published_on: date | None


class ActorCreate(Input):
    name: Text(300)
    kind: ActorKind = ActorKind.other
    parent_id: Id | None = None
    aliases: list[Text(300)] = Field(default_factory=list, max_length=100)


class ActorUpdate(Input):
    name: Text(300) | None = None
    kind: ActorKind | None = None
    parent_id: Id | None = None
    aliases: list[Text(300)] | None = Field(default=None, max_length=100)


class ActorRead(Output):
    id: int
    name: str
    kind: ActorKind
    parent_id: int | None
    aliases: list[str]

    @field_validator("aliases", mode="before")
    @classmethod
    def _alias_strings(cls, value: list) -> list[str]:
        return [getattr(a, "alias", a) for a in value]


class ActorRef(Output):
    id: int
    name: str


class _Addressees(Input):
    actor_ids: list[Id] | None = Field(default=None, max_length=100)
    actors: list[Text(300)] | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _one_way_to_name_actors(self) -> Self:
        if self.actor_ids is not None and self.actors is not None:
            raise ValueError("give actor_ids or actors, not both")
        return self


class RecommendationCreate(_Addressees):
    document_id: Id
    parent_id: Id | None = None
    label: Text(50) | None = None
    position: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    kind: RecommendationKind = RecommendationKind.list
    text: Text(20_000)
    addressee_raw: Text(1000) | None = None
    theme: Text(500) | None = None
    source_start: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    source_end: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None


class RecommendationUpdate(_Addressees):
    parent_id: Id | None = None
    label: Text(50) | None = None
    position: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    kind: RecommendationKind | None = None
    text: Text(20_000) | None = None
    addressee_raw: Text(1000) | None = None
    theme: Text(500) | None = None
    source_start: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None
    source_end: Annotated[int, Field(ge=0, le=2**31 - 1)] | None = None


class RecommendationRead(Output):
    id: int
    document: DocumentRef
    actors: list[ActorRef]
    parent_id: int | None
    label: str | None
    position: int
    kind: RecommendationKind
    text: str
    addressee_raw: str | None
    theme: str | None
    status: Status
    status_as_of: date | None
    source_start: int | None
    source_end: int | None
    version: int
    created_at: datetime
    updated_at: datetime
    snippet: str | None = Field(
        default=None,
        description="With q: a short extract, matches wrapped in <mark>...</mark>"
        " (the rest is the text as stored: escape it before rendering as HTML).",
    )


class FacetValue(BaseModel):
    value: str
    id: int | None = None
    count: int


class RecommendationPage(Page[RecommendationRead]):
    facets: dict[str, list[FacetValue]] | None = Field(
        default=None, description="With facets=...: counts over the whole filtered set."
    )


class LinkReview(Input):
    confirmed: bool = Field(description="true: they say the same thing; false: they do not.")


class RelatedRead(BaseModel):
    recommendation: RecommendationRead
    score: float | None = Field(description="Text similarity, 0-100 (null if never computed).")
    state: LinkState
    reviewed_by: str | None
    reviewed_at: datetime | None


class StatusChangeCreate(Input):
    status: Status
    as_of: date | None = Field(
        default=None, description="When the status became true (default: today, UTC)."
    )
    note: Text(10_000) | None = None
    evidence_url: Url | None = None


class StatusChangeRead(Output):
    id: int
    recommendation_id: int
    previous_status: Status
    status: Status
    as_of: date
    note: str | None
    evidence_url: str | None
    recorded_by: str
    recorded_at: datetime


class RecommendationStatus(Output):
    """A recommendation's current status after a change was recorded."""

    id: int
    status: Status
    status_as_of: date | None
    version: int


class StatusRecorded(StatusChangeRead):
    recommendation: RecommendationStatus


class ApiKeyCreate(Input):
    name: Text(200)
    role: Role


class ApiKeyRead(Output):
    id: int
    name: str
    role: Role
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    key: str = Field(description="The secret; shown only this once.")


class Health(BaseModel):
    status: str
    database: str | None = None
    migration: str | None = None


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    errors: list[dict] | None = None


class ImportedDocument(DocumentRead):
    """The imported document; id and timestamps are null in a dry run."""

    id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class ImportRequest(Input):
    """A new briefing to parse (and store unless dry_run)."""

    title: Text(500)
    publisher: Text(200)
    doc_type: DocType = DocType.briefing
    published_on: Annotated[
        str | None, Field(description="YYYY-MM-DD, or YYYY-MM / YYYY when only that is known.")
    ] = None
    date_precision: DatePrecision | None = None
    url: Url | None = None
    slug: Slug | None = None
    source_file: Text(500) | None = None
    text: Annotated[str, Field(min_length=1, max_length=5_000_000), AfterValidator(_no_nul)]
    dry_run: bool = False


class ImportedItem(BaseModel):
    label: str | None
    parent_label: str | None
    kind: RecommendationKind
    addressee_raw: str | None
    actors: list[str]
    theme: str | None
    text: str
    source_start: int
    source_end: int


class ImportSummary(BaseModel):
    list_items: int
    prose_items: int
    created: int
    updated: int
    removed: int
    related_links: int = Field(description="New links to repeats in other recommendations.")
    new_actors: list[str]


class ImportResponse(BaseModel):
    document: ImportedDocument
    dry_run: bool
    recommendations: list[ImportedItem]
    summary: ImportSummary
    warnings: list[str]


class StatsActorKey(BaseModel):
    id: int
    name: str


class StatsDocumentKey(BaseModel):
    id: int
    slug: str
    title: str
    published_on: date | None


class StatusSummary(BaseModel):
    """A group's total, its count per status and its implemented shares (over the assessed)."""

    total: int
    assessed: int = Field(description="total - unassessed: the shares' denominator.")
    counts: dict[Status, int] = Field(description="Every status, zeros included.")
    implemented_share: float | None
    implemented_or_partial_share: float | None


class StatsRow(StatusSummary):
    key: StatsActorKey | StatsDocumentKey | int | str | None = Field(
        description="actor: {id, name}; document: {id, slug, title, published_on}; year: a"
        " number; others: the value. Null: no actor, theme or date."
    )


class StatsResponse(BaseModel):
    by: str
    rollup: bool
    total: int = Field(description="Matching recommendations, each counted once.")
    counts: dict[Status, int]
    rows: list[StatsRow]


class TimelinePeriod(StatusSummary):
    period: str = Field(description="2014, 2014-Q1 or 2014-01.")
    start: date
    end: date


class TimelineResponse(BaseModel):
    interval: str
    periods: list[TimelinePeriod]
