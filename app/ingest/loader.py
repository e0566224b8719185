"""Write parsed publications to the database: idempotent upserts keyed by slug and item key."""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from app.ingest import manifest
from app.ingest.actors import ActorSpec, Registry
from app.ingest.parser import ParsedItem, ParseResult, normalize, parse, prose_default
from app.models import Actor, ActorAlias, Document, Recommendation, StatusChange
from app.services import related
from app.services.actors import normalize_key

ACTORS_FILE = "actors.toml"
MANIFEST_FILE = "manifest.toml"


@dataclass
class LoadReport:
    """What one publication's import did."""

    slug: str
    items: int = 0
    list_items: int = 0
    prose_items: int = 0
    created: int = 0
    updated: int = 0
    removed: int = 0
    kept_with_history: int = 0
    links: int = 0
    new_actors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def sync_actors(session: Session, registry: Registry) -> dict[str, Actor]:
    """Create or update every registry actor (parents first); return all actors by name key."""
    existing = {
        a.name_key: a for a in session.scalars(select(Actor).options(selectinload(Actor.aliases)))
    }
    alias_owner = dict(session.execute(select(ActorAlias.key, ActorAlias.actor_id)).all())
    for spec in registry.actors:
        key = normalize_key(spec.name)
        actor = existing.get(key)
        parent = existing.get(normalize_key(spec.parent)) if spec.parent else None
        if actor is None:
            actor = Actor(name=spec.name, name_key=key, kind=spec.kind, aliases=[])
            session.add(actor)
            existing[key] = actor
        else:
            if actor.kind != spec.kind:
                actor.kind = spec.kind
        if parent is not None and actor.parent_id != parent.id:
            session.flush()
            actor.parent_id = parent.id
        session.flush()
        have = {a.key for a in actor.aliases}
        for alias in spec.aliases:
            alias_key = normalize_key(alias)
            # An alias already held (by this actor, another, or as a name) is left as it is.
            if alias_key in have or alias_key in alias_owner or alias_key in existing:
                continue
            actor.aliases.append(ActorAlias(alias=alias, key=alias_key))
            alias_owner[alias_key] = actor.id
            have.add(alias_key)
    session.flush()
    return existing


def _actor_for(session: Session, actors: dict[str, Actor], name: str, report: LoadReport) -> Actor:
    key = normalize_key(name)
    actor = actors.get(key)
    if actor is None:
        owner = session.scalar(
            select(Actor)
            .join(ActorAlias, ActorAlias.actor_id == Actor.id)
            .where(ActorAlias.key == key)
        )
        if owner is not None:
            return owner
        # An addressee the registry does not know becomes an actor of its own, not a lost link.
        actor = Actor(name=name, name_key=key, kind="other", aliases=[])
        session.add(actor)
        session.flush()
        actors[key] = actor
        report.new_actors.append(name)
    return actor


def _document(session: Session, fields: dict) -> Document:
    document = session.scalar(select(Document).where(Document.slug == fields["slug"]))
    if document is None:
        document = Document(**fields)
        session.add(document)
    else:
        for name, value in fields.items():
            if getattr(document, name) != value:
                setattr(document, name, value)
    session.flush()
    return document


def upsert_items(
    session: Session,
    document: Document,
    items: list[ParsedItem],
    actors: dict[str, Actor],
    report: LoadReport,
) -> None:
    """Make the document's recommendations match the parsed items, keyed by item key.

    Rows are only written when something changed, so a second run is a no-op; an item the
    parser no longer finds is removed unless analysts have recorded status on it.
    """
    current = {
        r.source_key: r
        for r in session.scalars(
            select(Recommendation)
            .where(Recommendation.document_id == document.id)
            .options(selectinload(Recommendation.actors))
        )
    }
    by_key: dict[str, Recommendation] = {}
    for item in items:
        linked = [_actor_for(session, actors, name, report) for name in item.actors]
        linked = list({a.id: a for a in linked}.values())
        parent = by_key.get(item.parent_key) if item.parent_key else None
        values = {
            "parent_id": parent.id if parent is not None else None,
            "label": item.label,
            "position": item.position,
            "kind": item.kind,
            "text": item.text,
            "addressee_raw": item.addressee_raw,
            "theme": item.theme,
            "source_start": item.source_start,
            "source_end": item.source_end,
        }
        rec = current.pop(item.key, None)
        if rec is None:
            rec = Recommendation(
                document_id=document.id, source_key=item.key, actors=linked, **values
            )
            session.add(rec)
            report.created += 1
        else:
            changed = {k: v for k, v in values.items() if getattr(rec, k) != v}
            for name, value in changed.items():
                setattr(rec, name, value)
            if {a.id for a in rec.actors} != {a.id for a in linked}:
                rec.actors = linked
                changed["actors"] = linked
            if changed:
                rec.updated_at = dt.datetime.now(dt.UTC)
                report.updated += 1
        session.flush()
        by_key[item.key] = rec
    for rec in sorted(current.values(), key=lambda r: -r.position):
        has_history = session.scalar(
            select(exists().where(StatusChange.recommendation_id == rec.id))
        )
        if has_history:
            report.kept_with_history += 1
            report.warnings.append(
                f"item {rec.source_key!r} is no longer found but has status history; kept"
            )
        else:
            session.delete(rec)
            report.removed += 1
    session.flush()


def _count(report: LoadReport, items: list[ParsedItem]) -> None:
    report.items = len(items)
    report.list_items = sum(1 for i in items if i.kind == "list")
    report.prose_items = report.items - report.list_items


def seed(session: Session, seeds_dir: Path) -> list[LoadReport]:
    """Import every publication in the seeds manifest; safe to run again and again."""
    registry = Registry.load(seeds_dir / ACTORS_FILE)
    actors = sync_actors(session, registry)
    reports = []
    for spec in manifest.load(seeds_dir / MANIFEST_FILE):
        text = spec.extract((seeds_dir / spec.source_file).read_text(encoding="utf-8"))
        result = parse(text, registry, **spec.parse_options())
        report = LoadReport(slug=spec.slug, warnings=list(result.warnings))
        _count(report, result.items)
        document = _document(
            session,
            {
                "slug": spec.slug,
                "title": spec.title,
                "publisher": spec.publisher,
                "doc_type": spec.doc_type,
                "published_on": spec.published_on,
                "date_precision": spec.date_precision,
                "url": spec.url,
                "source_file": spec.source_file,
                "text": text,
            },
        )
        upsert_items(session, document, result.items, actors, report)
        report.links = related.refresh(session, _ids(session, document))
        reports.append(report)
    return reports


def registry_from_db(session: Session) -> Registry:
    """The actors the database knows, as a registry, so imports recognise every name and alias."""
    rows = session.scalars(select(Actor).options(selectinload(Actor.aliases))).all()
    names = {a.id: a.name for a in rows}
    return Registry(
        [
            ActorSpec(
                name=a.name,
                kind=str(a.kind),
                parent=names.get(a.parent_id) if a.parent_id else None,
                aliases=tuple(x.alias for x in a.aliases),
            )
            for a in rows
        ]
    )


@dataclass
class ImportResult:
    """A parsed briefing: the document (saved unless dry run), its items and what was done."""

    document: Document
    result: ParseResult
    report: LoadReport


def import_briefing(session: Session, fields: dict, *, dry_run: bool) -> ImportResult:
    """Parse a new briefing and, unless dry_run, store it with its items and any new actors.

    fields holds the Document columns (title, publisher, doc_type, published_on, ...) and text.
    A re-import under the same slug updates the document in place, like the seed.
    """
    text = normalize(fields["text"])
    registry = registry_from_db(session)
    result = parse(text, registry, prose=prose_default(str(fields["doc_type"])))
    report = LoadReport(slug=fields["slug"], warnings=list(result.warnings))
    _count(report, result.items)
    values = fields | {"text": text}
    if dry_run:
        known = {normalize_key(a.name) for a in registry.actors}
        report.new_actors = sorted(
            {n for item in result.items for n in item.actors if normalize_key(n) not in known}
        )
        return ImportResult(Document(**values), result, report)
    actors = {
        a.name_key: a for a in session.scalars(select(Actor).options(selectinload(Actor.aliases)))
    }
    document = _document(session, values)
    upsert_items(session, document, result.items, actors, report)
    report.links = related.refresh(session, _ids(session, document))
    return ImportResult(document, result, report)


def _ids(session: Session, document: Document) -> list[int]:
    return list(
        session.scalars(select(Recommendation.id).where(Recommendation.document_id == document.id))
    )


def item_summaries(items: list[ParsedItem]) -> list[dict]:
    """Parsed items as the import endpoint and CLI show them, with the parent's label."""
    labels = {item.key: item.label for item in items}
    return [
        {
            "label": item.label,
            "parent_label": labels.get(item.parent_key) if item.parent_key else None,
            "kind": item.kind,
            "addressee_raw": item.addressee_raw,
            "actors": list(item.actors),
            "theme": item.theme,
            "text": item.text,
            "source_start": item.source_start,
            "source_end": item.source_end,
        }
        for item in items
    ]


def summary(report: LoadReport) -> dict:
    return {
        "list_items": report.list_items,
        "prose_items": report.prose_items,
        "created": report.created,
        "updated": report.updated,
        "removed": report.removed,
        "related_links": report.links,
        "new_actors": report.new_actors,
    }
