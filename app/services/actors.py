"""Actors (addressees): lookup by id, name or alias, create, update, delete."""

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.errors import Conflict, NotFound, invalid
from app.ingest.actors import normalize_name
from app.models import Actor, ActorAlias, parse_id, recommendation_actors
from app.schemas import ActorCreate, ActorUpdate

# One matching rule for the registry file, the importer and the API.
normalize_key = normalize_name


def get(session: Session, actor_id: int) -> Actor:
    actor = session.scalar(
        select(Actor).where(Actor.id == actor_id).options(selectinload(Actor.aliases))
    )
    if actor is None:
        raise NotFound(f"No actor with id {actor_id}.")
    return actor


def find(session: Session, name: str) -> Actor | None:
    """The actor whose name or alias matches, ignoring case and apostrophe style."""
    key = normalize_key(name)
    alias_owner = select(ActorAlias.actor_id).where(ActorAlias.key == key)
    return session.scalar(
        select(Actor)
        .where(or_(Actor.name_key == key, Actor.id.in_(alias_owner)))
        .options(selectinload(Actor.aliases))
    )


def find_id(session: Session, ref: str) -> int | None:
    """The id of the actor an id, name or alias names (as resolve() reads it), without loading
    the actor: one indexed lookup, for filters."""
    actor_id = parse_id(ref)
    if actor_id is not None:
        return session.scalar(select(Actor.id).where(Actor.id == actor_id))
    key = normalize_key(ref)
    by_name = select(Actor.id).where(Actor.name_key == key)
    return session.scalar(by_name.union(select(ActorAlias.actor_id).where(ActorAlias.key == key)))


def resolve(session: Session, ref: str, *, field: str, location: str = "query") -> Actor:
    """An actor by id, name or alias, or a 422 naming the field."""
    actor_id = parse_id(ref)
    actor = session.get(Actor, actor_id) if actor_id is not None else find(session, ref)
    if actor is None:
        raise invalid(field, f"no actor with id, name or alias {ref!r}", location=location)
    return actor


def list_page(
    session: Session, *, kind: list[str], parent_id: int | None, limit: int, offset: int
) -> tuple[list[Actor], int]:
    stmt = select(Actor)
    if kind:
        stmt = stmt.where(Actor.kind.in_(kind))
    if parent_id is not None:
        stmt = stmt.where(Actor.parent_id == parent_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = session.scalars(
        stmt.order_by(Actor.name, Actor.id)
        .limit(limit)
        .offset(offset)
        .options(selectinload(Actor.aliases))
    ).all()
    return list(items), total


def _check_names_free(session: Session, keys: list[str], actor_id: int | None) -> None:
    if len(set(keys)) != len(keys):
        raise invalid("aliases", "names and aliases must be distinct", location="body")
    other_name = select(Actor.name).where(Actor.name_key.in_(keys))
    other_alias = select(ActorAlias.alias).where(ActorAlias.key.in_(keys))
    if actor_id is not None:
        other_name = other_name.where(Actor.id != actor_id)
        other_alias = other_alias.where(ActorAlias.actor_id != actor_id)
    taken = session.scalar(other_name) or session.scalar(other_alias)
    if taken is not None:
        raise Conflict(f"The name or alias {taken!r} already belongs to another actor.")


def _check_parent(session: Session, actor_id: int | None, parent_id: int | None) -> None:
    if parent_id is None:
        return
    if session.get(Actor, parent_id) is None:
        raise invalid("parent_id", f"no actor with id {parent_id}", location="body")
    # Walk up from the new parent: meeting the actor itself would make a cycle.
    seen, current = set(), parent_id
    while current is not None and current not in seen:
        if current == actor_id:
            raise invalid("parent_id", "an actor cannot sit under itself", location="body")
        seen.add(current)
        current = session.scalar(select(Actor.parent_id).where(Actor.id == current))


def _set_aliases(actor: Actor, aliases: list[str]) -> None:
    actor.aliases = [ActorAlias(alias=a, key=normalize_key(a)) for a in aliases]


def create(session: Session, data: ActorCreate) -> Actor:
    _check_names_free(session, [normalize_key(n) for n in [data.name, *data.aliases]], None)
    _check_parent(session, None, data.parent_id)
    actor = Actor(
        name=data.name, name_key=normalize_key(data.name), kind=data.kind, parent_id=data.parent_id
    )
    _set_aliases(actor, data.aliases)
    session.add(actor)
    session.flush()
    return actor


def update(session: Session, actor: Actor, data: ActorUpdate) -> Actor:
    fields = data.model_dump(exclude_unset=True)
    for name in ("name", "kind", "aliases"):
        if name in fields and fields[name] is None:
            raise invalid(name, "cannot be null", location="body")
    name = fields.get("name", actor.name)
    aliases = fields.get("aliases", [a.alias for a in actor.aliases])
    _check_names_free(session, [normalize_key(n) for n in [name, *aliases]], actor.id)
    if "parent_id" in fields:
        _check_parent(session, actor.id, fields["parent_id"])
        actor.parent_id = fields["parent_id"]
    if "name" in fields:
        actor.name, actor.name_key = name, normalize_key(name)
    if "kind" in fields:
        actor.kind = fields["kind"]
    if "aliases" in fields:
        actor.aliases.clear()
        session.flush()  # free the old alias keys before the new rows claim them
        _set_aliases(actor, aliases)
    session.flush()
    return actor


def delete(session: Session, actor: Actor, *, cascade: bool) -> None:
    """Delete an actor; without cascade, refuse while recommendations or sub-actors use it."""
    if not cascade:
        linked = session.scalar(
            select(exists().where(recommendation_actors.c.actor_id == actor.id))
        )
        children = session.scalar(select(exists().where(Actor.parent_id == actor.id)))
        if linked or children:
            raise Conflict(
                "The actor still has recommendations or sub-actors; "
                "delete with ?cascade=true to unlink them."
            )
    session.delete(actor)
    session.flush()
