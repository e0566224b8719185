"""Bulk load of the NDJSON export (the backup format): Core inserts, one transaction per batch.

Documents are matched by slug, actors by name or alias, recommendations by (document, source
key) or, without a source key, by (document, position, label, text); whatever is already in
the database is left as it is, apart from status changes it lacks, which are added. Loading
the same file twice therefore adds nothing. README.md, "Backup and restore", has the details.
"""

import hashlib
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from queue import Empty, Queue

import orjson
from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db import begin_write, utcnow
from app.models import (
    Actor,
    ActorAlias,
    Document,
    LinkState,
    Recommendation,
    RecommendationLink,
    Status,
    StatusChange,
)
from app.services.actors import normalize_key
from app.services.export import DOCUMENT_FIELDS, HISTORY_FIELDS

BATCH = 5000
SQLITE_CACHE_KIB = 256 * 1024
REC_COLUMNS = (
    "label",
    "position",
    "kind",
    "text",
    "addressee_raw",
    "theme",
    "source_start",
    "source_end",
)

REC_INSERT = ("id", "document_id", "parent_id", "source_key", *REC_COLUMNS) + (
    "status",
    "status_as_of",
    "version",
    "created_at",
    "updated_at",
)
CHANGE_INSERT = ("recommendation_id", *HISTORY_FIELDS)
LINK_INSERT = ("recommendation_id", "actor_id", "status")
# SQLite's per-row insert triggers: full text (migration 0002), link status (0004).
FTS_TRIGGER = "recommendations_fts_ai"
BULK_TRIGGERS = (FTS_TRIGGER, "recommendation_actors_status_ai")

_recs = Recommendation.__table__
_changes = StatusChange.__table__


@dataclass
class LoadReport:
    """What a load did."""

    recommendations: int = 0
    already_there: int = 0
    documents: int = 0
    actors: int = 0
    status_changes: int = 0
    links: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Recommendations read per second."""
        done = self.recommendations + self.already_there
        return done / self.seconds if self.seconds else 0.0


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _day(value: str | None, as_text: bool) -> date | str | None:
    if not value:
        return None
    day = date.fromisoformat(value)
    return day.isoformat() if as_text else day


def _moment(value: str | None, as_text: bool) -> datetime | str:
    moment = datetime.fromisoformat(value) if value else utcnow()
    if moment.tzinfo is None:
        raise ValueError(f"time without a timezone: {value!r}")
    moment = moment.astimezone(UTC)
    # As SQLAlchemy stores a DateTime in SQLite: naive UTC text with microseconds.
    return moment.replace(tzinfo=None).isoformat(" ", "microseconds") if as_text else moment


def _prepare(line: dict, as_text: bool) -> None:
    """Add what the inserts need that no database id is needed for (done off the main thread)."""
    line["_key"] = line.get("source_key") or derived_key(
        line["position"], line.get("label"), line["text"]
    )
    line["_status"] = line.get("status") or Status.unassessed.value
    line["_row"] = (
        (line.get("source_key"),)
        + tuple(line.get(name) for name in REC_COLUMNS)
        + (
            line["_status"],
            _day(line.get("status_as_of"), as_text),
            line.get("version") or 1,
            _moment(line.get("created_at"), as_text),
            _moment(line.get("updated_at"), as_text),
        )
    )
    line["_history"] = [
        (c["previous_status"], c["status"], _day(c["as_of"], as_text))
        + (c.get("note"), c.get("evidence_url"), c["recorded_by"])
        + (_moment(c["recorded_at"], as_text),)
        for c in line.get("history") or ()
    ]


def derived_key(position: int, label: str | None, text_: str) -> str:
    """The identity of a recommendation without a source key, within its document."""
    raw = f"{position}\x1f{label or ''}\x1f{text_}".encode()
    return "#" + hashlib.sha1(raw, usedforsecurity=False).hexdigest()


def _latest(history: list[dict]) -> dict | None:
    return max(history, key=lambda c: (c["as_of"], c["recorded_at"]), default=None)


class Loader:
    """State of one load: what the database already holds, and file ids -> database ids."""

    def __init__(self, session: Session, batch: int = BATCH) -> None:
        self.session = session
        self.batch = batch
        self.report = LoadReport()
        self.dialect = session.get_bind().dialect.name
        self.actor_ids: dict[str, int] = {}  # name key or alias key -> actor id
        self.actor_names: dict[str, int] = {}  # as written in the file -> actor id
        self.actor_parents: dict[int, str] = {}  # new actor -> its parent's name, set at the end
        self.doc_ids: dict[str, int] = {}
        self.new_docs: set[int] = set()
        self.doc_keys: dict[int, dict[str, int]] = {}  # recommendation key -> id, per document
        self.rec_ids: dict[int, int] = {}  # id in the file -> id in the database
        self.orphans: list[tuple[int, int | None, int, str | None]] = []
        self.links: list[dict] = []

    def _begin(self) -> None:
        begin_write(self.session)
        if self.actor_ids or self.doc_ids:
            return
        if self.dialect == "sqlite":
            # Index pages stay in memory across batches (the default cache is 2 MB).
            self.session.execute(text(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}"))
        for actor_id, key in self.session.execute(select(Actor.id, Actor.name_key)):
            self.actor_ids[key] = actor_id
        for actor_id, key in self.session.execute(select(ActorAlias.actor_id, ActorAlias.key)):
            self.actor_ids.setdefault(key, actor_id)
        self.doc_ids = dict(self.session.execute(select(Document.slug, Document.id)).all())

    def actor(self, spec: dict) -> int:
        """The id of the actor with this name or alias, created (with its aliases) if new."""
        known = self.actor_names.get(spec["name"])
        if known is not None:
            return known
        self.actor_names[spec["name"]] = actor_id = self._actor(spec)
        return actor_id

    def _actor(self, spec: dict) -> int:
        key = normalize_key(spec["name"])
        found = self.actor_ids.get(key)
        if found is not None:
            return found
        parent = spec.get("parent")
        parent_id = self.actor_ids.get(normalize_key(parent)) if parent else None
        actor_id = self.session.execute(
            insert(Actor).returning(Actor.id),
            [
                {
                    "name": spec["name"],
                    "name_key": key,
                    "kind": spec.get("kind") or "other",
                    "parent_id": parent_id,
                }
            ],
        ).scalar_one()
        if parent and parent_id is None:
            self.actor_parents[actor_id] = parent
        self.actor_ids[key] = actor_id
        aliases = []
        for alias in spec.get("aliases") or []:
            alias_key = normalize_key(alias)
            # An alias already held (as a name or another's alias) stays with its holder.
            if alias_key not in self.actor_ids:
                self.actor_ids[alias_key] = actor_id
                aliases.append({"actor_id": actor_id, "alias": alias, "key": alias_key})
        if aliases:
            self.session.execute(insert(ActorAlias), aliases)
        self.report.actors += 1
        return actor_id

    def document(self, doc: dict) -> int:
        """The id of the document with this slug, created if new."""
        found = self.doc_ids.get(doc["slug"])
        if found is not None:
            return found
        values = {name: doc.get(name) for name in DOCUMENT_FIELDS}
        values |= {"published_on": _date(values["published_on"]), "text": doc.get("text") or ""}
        doc_id = self.session.execute(
            insert(Document).returning(Document.id), [values]
        ).scalar_one()
        self.doc_ids[doc["slug"]] = doc_id
        self.new_docs.add(doc_id)
        self.doc_keys[doc_id] = {}
        self.report.documents += 1
        return doc_id

    def _keys_of(self, doc_id: int) -> dict[str, int]:
        """Recommendation key -> id for a document that was there before the load."""
        found = self.doc_keys.get(doc_id)
        if found is None:
            rows = self.session.execute(
                select(
                    _recs.c.id, _recs.c.source_key, _recs.c.position, _recs.c.label, _recs.c.text
                ).where(_recs.c.document_id == doc_id)
            )
            found = {
                key or derived_key(position, label, text_): rec_id
                for rec_id, key, position, label, text_ in rows
            }
            self.doc_keys[doc_id] = found
        return found

    def recommendations(self, lines: list[dict]) -> None:
        """Insert one batch of recommendation lines (and their links and history)."""
        new, matched = [], []
        for line in lines:
            doc_id = self.document(line["document"])
            keys = self._keys_of(doc_id)
            key = line["_key"]
            found = keys.get(key)
            if found is None:
                keys[key] = 0  # a repeat of this key later in the batch is the same row
                new.append((line, doc_id, key))
            elif found > 0:  # else a repeat of a line earlier in this batch
                self.rec_ids[line["id"]] = found
                matched.append((found, line))
        self._insert(new)
        self._merge_history(matched)
        self.report.already_there += len(matched)

    def _allocate(self, n: int) -> list[int]:
        """Ids for n new recommendations, known before the insert so parents resolve at once."""
        if self.dialect == "postgresql":
            seq = "pg_get_serial_sequence('recommendations', 'id')"
            found = self.session.execute(
                text(f"SELECT nextval({seq}) FROM generate_series(1, :n)"), {"n": n}
            )
            return sorted(found.scalars())
        # The write transaction (BEGIN IMMEDIATE) holds the lock: nobody else takes these.
        top = self.session.scalar(select(func.max(_recs.c.id))) or 0
        return list(range(top + 1, top + n + 1))

    @contextmanager
    def _bulk_triggers(self, first: int, last: int) -> Iterator[None]:
        """On SQLite, do a batch's trigger work in two statements instead of a trigger per row.

        The full-text insert trigger alone costs three times the rest of the load. The triggers
        are dropped and created again inside the batch's transaction, so no other connection
        ever sees them missing; the inserts give recommendation_actors its status themselves.
        """
        found = {}
        if self.dialect == "sqlite":
            rows = self.session.execute(
                text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN :n"
                ).bindparams(bindparam("n", expanding=True)),
                {"n": list(BULK_TRIGGERS)},
            )
            found = dict(rows.all())
        for name in found:
            self.session.execute(text(f"DROP TRIGGER {name}"))
        yield
        if FTS_TRIGGER in found:
            self.session.execute(
                text(
                    "INSERT INTO recommendations_fts(rowid, text, addressee_raw) SELECT id, text, "
                    "addressee_raw FROM recommendations WHERE id BETWEEN :a AND :b"
                ),
                {"a": first, "b": last},
            )
        for ddl in found.values():
            self.session.execute(text(ddl))

    def _executemany(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """One multi-row insert through the driver: 2-3x faster than typed Core parameters."""
        mark = "?" if self.dialect == "sqlite" else "%s"
        marks = ", ".join([mark] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        self.session.connection().exec_driver_sql(sql, rows)

    def _insert(self, items: list[tuple[dict, int, str]]) -> None:
        """Insert new rows in file order, with ids allocated up front."""
        if not items:
            return
        ids = self._allocate(len(items))
        for rec_id, (line, _, _) in zip(ids, items, strict=True):
            self.rec_ids[line["id"]] = rec_id
        recs, links, changes = [], [], []
        actor = self.actor
        for rec_id, (line, doc_id, key) in zip(ids, items, strict=True):
            parent = line.get("parent_id")
            parent_id = self.rec_ids.get(parent) if parent is not None else None
            # A parent later in the file gets its id only now: linked in finish().
            if parent_id is not None and parent_id >= rec_id:
                parent_id = None
            if parent_id is None and (parent is not None or line.get("parent_source_key")):
                self.orphans.append((rec_id, parent, doc_id, line.get("parent_source_key")))
            self.doc_keys[doc_id][key] = rec_id
            recs.append((rec_id, doc_id, parent_id) + line["_row"])
            for actor_id in dict.fromkeys(actor(a) for a in line.get("actors") or ()):
                links.append((rec_id, actor_id, line["_status"]))
            changes += [(rec_id,) + change for change in line["_history"]]
        with self._bulk_triggers(ids[0], ids[-1]):
            self._executemany("recommendations", REC_INSERT, recs)
            if links:
                self._executemany("recommendation_actors", LINK_INSERT, links)
        if changes:
            self._executemany("status_changes", CHANGE_INSERT, changes)
        self.report.recommendations += len(items)
        self.report.status_changes += len(changes)

    def _merge_history(self, matched: list[tuple[int, dict]]) -> None:
        """Add the status changes a recommendation already there lacks; recompute its status."""
        wanted = {rec_id: line["history"] for rec_id, line in matched if line.get("history")}
        if not wanted:
            return
        have: dict[int, list[dict]] = {rec_id: [] for rec_id in wanted}
        rows = self.session.execute(
            select(_changes.c.recommendation_id, *(_changes.c[n] for n in HISTORY_FIELDS)).where(
                _changes.c.recommendation_id.in_(list(wanted))
            )
        )
        for rec_id, *values in rows:
            have[rec_id].append(dict(zip(HISTORY_FIELDS, values, strict=True)))
        for rec_id, history in wanted.items():
            seen = {(c["status"], c["as_of"], c["recorded_at"]) for c in have[rec_id]}
            new = []
            for change in history:
                c = change | {
                    "as_of": _date(change["as_of"]),
                    "recorded_at": _time(change["recorded_at"]),
                }
                if (c["status"], c["as_of"], c["recorded_at"]) not in seen:
                    new.append(
                        {n: c.get(n) for n in HISTORY_FIELDS} | {"recommendation_id": rec_id}
                    )
            if not new:
                continue
            self.session.execute(insert(_changes), new)
            latest = _latest(have[rec_id] + new)
            self.session.execute(
                update(_recs)
                .where(_recs.c.id == rec_id)
                .values(
                    status=latest["status"],
                    status_as_of=latest["as_of"],
                    version=_recs.c.version + len(new),
                    updated_at=utcnow(),
                )
            )
            self.report.status_changes += len(new)

    def finish(self) -> None:
        """Parents that came later than their children, links, the full-text index."""
        for rec_id, parent, doc_id, parent_key in self.orphans:
            found = self.rec_ids.get(parent) if parent is not None else None
            if found is None and parent_key is not None:
                found = self._keys_of(doc_id).get(parent_key)
            if found is None or found < 0:
                self.report.warnings.append(f"recommendation {rec_id}: parent not found")
                continue
            self.session.execute(update(_recs).where(_recs.c.id == rec_id).values(parent_id=found))
        for actor_id, parent in self.actor_parents.items():
            parent_id = self.actor_ids.get(normalize_key(parent))
            if parent_id is None:
                self.report.warnings.append(f"actor {actor_id}: parent {parent!r} not found")
                continue
            self.session.execute(
                update(Actor.__table__).where(Actor.id == actor_id).values(parent_id=parent_id)
            )
        self._links()

    def _links(self) -> None:
        links = RecommendationLink.__table__
        rows = []
        for link in self.links:
            low, high = self.rec_ids.get(link["low_id"]), self.rec_ids.get(link["high_id"])
            if low is None or high is None or low == high:
                self.report.warnings.append(
                    f"link {link['low_id']}-{link['high_id']}: recommendation not in the file"
                )
                continue
            low, high = min(low, high), max(low, high)
            rows.append(
                {
                    "low_id": low,
                    "high_id": high,
                    "score": link.get("score"),
                    "state": link.get("state") or "suggested",
                    "reviewed_by": link.get("reviewed_by"),
                    "reviewed_at": _time(link.get("reviewed_at")),
                    "created_at": _time(link.get("created_at")) or utcnow(),
                }
            )
        if not rows:
            return
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        stmt = dialect_insert(links)
        # A review in the file wins over a suggestion the matcher made here; nothing else changes.
        stmt = stmt.on_conflict_do_update(
            index_elements=[links.c.low_id, links.c.high_id],
            set_={n: stmt.excluded[n] for n in ("state", "reviewed_by", "reviewed_at")},
            where=(links.c.state == LinkState.suggested.value)
            & (stmt.excluded.state != LinkState.suggested.value),
        )
        before = self._count_links()
        self.session.execute(stmt, rows)
        self.report.links += self._count_links() - before

    def _count_links(self) -> int:
        return self.session.scalar(select(func.count()).select_from(RecommendationLink)) or 0


def _chunks(lines: Iterable[str | bytes], batch: int, as_text: bool) -> Iterator[list[dict]]:
    """Parsed and prepared records, in lists holding up to `batch` recommendations."""
    chunk: list[dict] = []
    recs = 0
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not JSON ({exc})") from None
        if not isinstance(record, dict) or "type" not in record:
            raise ValueError(f"line {number}: not an object with a 'type'")
        if record["type"] == "recommendation":
            try:
                _prepare(record, as_text)
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"line {number}: {exc!r}") from None
            recs += 1
        chunk.append(record)
        if recs >= batch:
            yield chunk
            chunk, recs = [], 0
    yield chunk


def _in_background(chunks: Iterator[list[dict]]) -> Iterator[list[dict]]:
    """Run the parsing in a thread: SQLite releases the GIL while it writes, so both cores work."""
    queue: Queue = Queue(maxsize=2)
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in chunks:
                if stop.is_set():
                    return
                queue.put(chunk)
            queue.put(None)
        except BaseException as exc:  # handed to the consumer, which raises it
            queue.put(exc)

    worker = threading.Thread(target=produce, name="ndjson-parser", daemon=True)
    worker.start()
    try:
        while (item := queue.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            try:
                queue.get(timeout=0.1)
            except Empty:
                pass
        worker.join()


def load(session: Session, lines: Iterable[str | bytes], *, batch: int = BATCH) -> LoadReport:
    """Load NDJSON export lines, committing every `batch` recommendations."""
    started = time.perf_counter()
    loader = Loader(session, batch)
    loader._begin()
    as_text = loader.dialect == "sqlite"
    for chunk in _in_background(_chunks(lines, batch, as_text)):
        pending = []
        for record in chunk:
            kind = record["type"]
            if kind == "actor":
                loader.actor(record)
            elif kind == "document":
                loader.document(record)
            elif kind == "link":
                loader.links.append(record)
            elif kind == "recommendation":
                pending.append(record)
        if pending:
            loader.recommendations(pending)
            session.commit()
            loader._begin()
    loader.finish()
    session.commit()
    loader.report.seconds = time.perf_counter() - started
    return loader.report
