"""Bulk load of the NDJSON export (the backup format): Core inserts, one transaction per batch.

Documents are matched by slug, actors by name or alias, recommendations by (document, source
key) or, without a source key, by (document, position, label, text); whatever is already in
the database is left as it is, apart from status changes it lacks, which are added. Loading
the same file twice therefore adds nothing. README.md, "Backup and restore", has the details.
"""

import gc
import math
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import orjson
from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from app.db import begin_write
from app.models import (
    Actor,
    ActorAlias,
    Document,
    Recommendation,
    StatusChange,
)
from app.services.actors import normalize_key
from app.services.bulk_merge import add_links, merge_history
from app.services.bulk_parse import (
    CHANGE_INSERT,
    DOC_COLUMNS,
    DOC_INSERT,
    LINK_INSERT,
    REC_INSERT,
    LoadReport,
    _date,
    _moment,
    chunks,
    derived_key,
)
from app.services.export import DOCUMENT_FIELDS

# Up to this many columns, json_each beats executemany on SQLite (see _executemany).
JSON_EACH_MAX_COLUMNS = 9
# Recommendations per transaction: fewer commits rewrite the same index pages fewer times.
BATCH = 20000
PIECE = 20000  # at most this many recommendations per parsed chunk
SQLITE_CACHE_KIB = 256 * 1024
# SQLite's per-row insert triggers, and the statement that replaces each for a batch of new
# recommendations with ids :a to :b (None: the loader does it): full text (migration 0002),
# link status (0004), status counts (0005).
BULK_TRIGGERS = {
    "recommendations_fts_ai": (
        "INSERT INTO recommendations_fts(rowid, text, addressee_raw)"
        " SELECT id, text, addressee_raw FROM recommendations WHERE id BETWEEN :a AND :b"
    ),
    "recommendation_actors_status_ai": None,
    # Counted by the loader itself (_add_counts): the rows are at hand, no statement reads them.
    "status_counts_rec_ai": None,
    "status_counts_link_ai": None,
}

FTS5_AUTOMERGE = 4  # FTS5's default, for an index whose config table does not name it
_recs = Recommendation.__table__
_changes = StatusChange.__table__


class Loader:
    """State of one load: what the database already holds, and file ids -> database ids."""

    def __init__(self, session: Session, batch: int = BATCH) -> None:
        self.session = session
        self.batch = batch
        self.report = LoadReport()
        self.uncommitted = 0  # recommendations in the open transaction
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
        begin_write(self.session, bulk=True)
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

    def _documents(self, lines: list[dict]) -> None:
        """On SQLite, the batch's new documents in one insert, with ids taken up front."""
        docs = {}
        for line in lines:
            doc = line["document"]
            if doc["slug"] not in self.doc_ids:
                docs.setdefault(doc["slug"], doc)
        if not docs or self.dialect != "sqlite":
            return
        top = self.session.scalar(select(func.max(Document.id))) or 0
        now = _moment(None, True)
        rows = []
        for doc_id, (slug, doc) in enumerate(docs.items(), top + 1):
            values = [doc.get(name) for name in DOC_COLUMNS]
            day = _date(doc.get("published_on"))
            rows.append((doc_id, *values, day and day.isoformat(), doc.get("text") or "", now, now))
            self.doc_ids[slug] = doc_id
            self.new_docs.add(doc_id)
            self.doc_keys[doc_id] = {}
        self._executemany("documents", DOC_INSERT, rows)
        self.report.documents += len(rows)

    def chunk(self, records: list[dict]) -> None:
        """One parsed chunk of the file; a commit once a batch of recommendations is in."""
        pending = []
        for record in records:
            kind = record["type"]
            if kind == "actor":
                self.actor(record)
            elif kind == "document":
                self.document(record)
            elif kind == "link":
                self.links.append(record)
            elif kind == "recommendation":
                pending.append(record)
        if pending:
            self.recommendations(pending)
            self.uncommitted += len(pending)
        if self.uncommitted >= self.batch:
            self.session.commit()
            self.uncommitted = 0
            self._begin()

    def recommendations(self, lines: list[dict]) -> None:
        """Insert one batch of recommendation lines (and their links and history)."""
        self._documents(lines)
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
        merge_history(self, matched)
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
    def _bulk_triggers(self, first: int, last: int) -> Iterator[set[str]]:
        """On SQLite, do a batch's trigger work in a statement each instead of a trigger per row.

        The full-text insert trigger alone costs three times the rest of the load. The triggers
        are dropped and created again inside the batch's transaction, so no other connection
        ever sees them missing; the inserts give recommendation_actors its status themselves.
        The full-text index is written without automerge (see _fts_automerge_off).
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
        yield set(found)
        with self._fts_automerge_off(bool(found)):
            for name, ddl in found.items():
                if BULK_TRIGGERS[name] is not None:
                    self.session.execute(text(BULK_TRIGGERS[name]), {"a": first, "b": last})
                self.session.execute(text(ddl))

    @contextmanager
    def _fts_automerge_off(self, sqlite: bool) -> Iterator[None]:
        """FTS5 without automerge while a batch goes into the full-text index, then as it was.

        With automerge (4 by default) FTS5 merges a few segments after every flush, and
        rewrites the same postings level after level. Without it only its crisis merge runs,
        16 segments at a time: at 200k rows the load was 3% faster (median of 5 back-to-back
        pairs) and left 3 segments instead of 7, which made a one-word search 1.2 ms instead
        of 2.1. The setting is restored in the same transaction: no other writer sees it.
        """
        if not sqlite:
            yield
            return
        found = self.session.execute(
            text("SELECT v FROM recommendations_fts_config WHERE k = 'automerge'")
        ).scalar()
        self._fts_config("automerge", 0)
        yield
        self._fts_config("automerge", FTS5_AUTOMERGE if found is None else found)

    def _fts_config(self, key: str, value: int) -> None:
        self.session.execute(
            text("INSERT INTO recommendations_fts(recommendations_fts, rank) VALUES (:k, :v)"),
            {"k": key, "v": value},
        )

    def _executemany(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """One insert of many rows through the driver, without SQLAlchemy's per-row typing.

        On SQLite, narrow rows go in as one JSON array read by json_each (one statement, no
        per-row binding: 25% faster for links and history). Wide rows do not: `value ->> i`
        parses the row's JSON again for every column, which makes a recommendation 4x slower
        than executemany.
        """
        names = ", ".join(columns)
        connection = self.session.connection()
        if self.dialect == "sqlite" and len(columns) <= JSON_EACH_MAX_COLUMNS:
            values = ", ".join(f"value ->> {i}" for i in range(len(columns)))
            sql = f"INSERT INTO {table} ({names}) SELECT {values} FROM json_each(?)"
            connection.exec_driver_sql(sql, (orjson.dumps(rows).decode(),))
            return
        marks = ", ".join(["?" if self.dialect == "sqlite" else "%s"] * len(columns))
        connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def _insert(self, items: list[tuple[dict, int, str]]) -> None:
        """Insert new rows in file order, with ids allocated up front."""
        if not items:
            return
        ids = self._allocate(len(items))
        for rec_id, (line, _, _) in zip(ids, items, strict=True):
            self.rec_ids[line["id"]] = rec_id
        recs, links, changes = [], [], []
        statuses: Counter[str] = Counter()
        unlinked: Counter[str] = Counter()
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
            status = line["_status"]
            named = dict.fromkeys(actor(a) for a in line.get("actors") or ())
            links += [(rec_id, actor_id, status) for actor_id in named]
            statuses[status] += 1
            unlinked[status] += not named
            changes += [(rec_id,) + change for change in line["_history"]]
        with self._bulk_triggers(ids[0], ids[-1]) as dropped:
            self._executemany("recommendations", REC_INSERT, recs)
            if links:
                self._executemany("recommendation_actors", LINK_INSERT, links)
            if "status_counts_rec_ai" in dropped:
                self._add_counts(statuses, unlinked, Counter(link[1:] for link in links))
        if changes:
            self._executemany("status_changes", CHANGE_INSERT, changes)
        self.report.recommendations += len(items)
        self.report.status_changes += len(changes)

    def _add_counts(
        self, statuses: Counter[str], unlinked: Counter[str], per_actor: Counter[tuple]
    ) -> None:
        """Add a batch of new recommendations to the status counts (SQLite, migration 0005)."""
        connection = self.session.connection()
        connection.exec_driver_sql(
            "INSERT INTO status_counts (status, total, unlinked) VALUES (?, ?, ?)"
            " ON CONFLICT (status) DO UPDATE"
            " SET total = total + excluded.total, unlinked = unlinked + excluded.unlinked",
            [(status, n, unlinked[status]) for status, n in statuses.items()],
        )
        connection.exec_driver_sql(
            "INSERT INTO actor_status_counts (actor_id, status, n) VALUES (?, ?, ?)"
            " ON CONFLICT (actor_id, status) DO UPDATE SET n = n + excluded.n",
            [(actor_id, status, n) for (actor_id, status), n in per_actor.items()],
        )

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
        add_links(self)


def load(session: Session, lines: Iterable[str | bytes], *, batch: int = BATCH) -> LoadReport:
    """Load NDJSON export lines, committing every `batch` recommendations."""
    started = time.perf_counter()
    # The load allocates millions of dicts and tuples and keeps many alive (id maps, the batch):
    # the cyclic GC ran over them again and again, 5 of 16 s at 200k. It creates no cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        loader = Loader(session, batch)
        loader._begin()
        # Pieces of at most PIECE recommendations that split a batch evenly; the parser starts
        # with smaller ones still (bulk_parse._chunks).
        piece = math.ceil(batch / math.ceil(batch / PIECE))
        for chunk in chunks(lines, piece, loader.dialect == "sqlite"):
            loader.chunk(chunk)
        loader.finish()
        session.commit()
    finally:
        if collecting:
            gc.enable()
    if loader.dialect == "postgresql":
        _vacuum_analyze(session)
    loader.report.seconds = time.perf_counter() - started
    return loader.report


def _vacuum_analyze(session: Session) -> None:
    """Statistics and the visibility map for what was just loaded (PostgreSQL).

    Right after a load the planner has no statistics (it then read the whole full-text index
    once per document in a newest-first walk: 20-40 ms instead of 0.2-0.9), counts from
    index-only scans still visit the heap, and the first reads rewrite every page's hint
    bits; autovacuum comes round only later. 0.8 s at 200k rows.
    """
    engine = session.get_bind()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM (ANALYZE)"))
