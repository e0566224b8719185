"""Reading the NDJSON export for the bulk load: lines to prepared records.

Everything here needs no database: JSON parsing, validation, and the insert tuples without their
database ids (which the loader in app/services/bulk.py adds). Timestamps become the text
SQLAlchemy stores in SQLite (naive UTC, microseconds) without a datetime round trip when they
are already UTC. On SQLite the parsing runs in a child process (see chunks).
"""

import gc
import hashlib
import marshal
import multiprocessing
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from multiprocessing.connection import Connection

import orjson

from app.db import utcnow
from app.models import Status
from app.services.export import DOCUMENT_FIELDS, HISTORY_FIELDS, REC_CONTENT

# The inserts' columns, in the order of the tuples built here and in the loader.
REC_INSERT = ("id", "document_id", "parent_id", "source_key", *REC_CONTENT) + (
    "status",
    "status_as_of",
    "version",
    "created_at",
    "updated_at",
)
CHANGE_INSERT = ("recommendation_id", *HISTORY_FIELDS)
DOC_COLUMNS = tuple(name for name in DOCUMENT_FIELDS if name != "published_on")
DOC_INSERT = ("id", *DOC_COLUMNS, "published_on", "text", "created_at", "updated_at")
LINK_INSERT = ("recommendation_id", "actor_id", "status")


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


def _latest(history: list[dict]) -> dict | None:
    return max(history, key=lambda c: (c["as_of"], c["recorded_at"]), default=None)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# A UTC timestamp as the export writes it; its text form for SQLite is a matter of slicing.
_UTC_TEXT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?(?:Z|\+00:00)")


def _day(value: str | None, as_text: bool) -> date | str | None:
    if not value:
        return None
    day = date.fromisoformat(value)  # validates
    if as_text:
        return value if len(value) == 10 else day.isoformat()
    return day


def _moment(value: str | None, as_text: bool) -> datetime | str:
    if as_text and value and (utc := _UTC_TEXT.fullmatch(value)):
        datetime.fromisoformat(value)  # validates (month 13, hour 25 ...)
        return f"{value[:10]} {value[11:19]}{utc[1] or '.000000'}"
    moment = datetime.fromisoformat(value) if value else utcnow()
    if moment.tzinfo is None:
        raise ValueError(f"time without a timezone: {value!r}")
    moment = moment.astimezone(UTC)
    # As SQLAlchemy stores a DateTime in SQLite: naive UTC text with microseconds.
    return moment.replace(tzinfo=None).isoformat(" ", "microseconds") if as_text else moment


def _prepare(line: dict, as_text: bool) -> dict:
    """What the loader needs of a recommendation line: the insert tuples without database ids,
    its identity, and what it refers to (the fields themselves are all in the tuples)."""
    status = line.get("status") or Status.unassessed.value
    source_key = line.get("source_key")
    row = (source_key, *map(line.get, REC_CONTENT)) + (
        status,
        _day(line.get("status_as_of"), as_text),
        line.get("version") or 1,
        _moment(line.get("created_at"), as_text),
        _moment(line.get("updated_at"), as_text),
    )
    history = line.get("history")
    return {
        "type": "recommendation",
        "id": line["id"],
        "document": line["document"],
        "actors": line.get("actors"),
        "parent_id": line.get("parent_id"),
        "parent_source_key": line.get("parent_source_key"),
        "_key": source_key or derived_key(line["position"], line.get("label"), line["text"]),
        "_status": status,
        "_row": row,
        "_history": [
            (c["previous_status"], c["status"], _day(c["as_of"], as_text))
            + (c.get("note"), c.get("evidence_url"), c["recorded_by"])
            + (_moment(c["recorded_at"], as_text),)
            for c in history or ()
        ],
    }


def derived_key(position: int, label: str | None, text_: str) -> str:
    """The identity of a recommendation without a source key, within its document."""
    raw = f"{position}\x1f{label or ''}\x1f{text_}".encode()
    return "#" + hashlib.sha1(raw, usedforsecurity=False).hexdigest()


def _chunks(lines: Iterable[str | bytes], batch: int, as_text: bool) -> Iterator[list[dict]]:
    """Parsed and prepared records, in lists holding up to `batch` recommendations.

    The first lists are smaller, so the writer starts at once: they hold 1/16, 1/16, 1/8, 1/4
    and 1/2 of a batch (a whole batch in all), then a batch each. Parsing a whole first batch
    kept the writer idle for 0.45 s of a 10 s load.
    """
    chunk: list[dict] = []
    recs = sent = 0
    limit = max(1, batch // 16)
    # Every line naming a document or an actor gets the same dict (the first one: the loader
    # reads no other). marshal then writes each once per chunk and the parent builds it once.
    docs: dict[str, dict] = {}
    actors: dict[str, dict] = {}
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
                record = _prepare(record, as_text)
                record["document"] = docs.setdefault(record["document"]["slug"], record["document"])
                if record["actors"]:
                    record["actors"] = [actors.setdefault(a["name"], a) for a in record["actors"]]
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"line {number}: {exc!r}") from None
            recs += 1
        chunk.append(record)
        if recs >= limit:
            yield chunk
            sent += recs
            chunk, recs = [], 0
            limit = min(batch, max(limit, sent))
    yield chunk


def _produce(lines: Iterable[str | bytes], batch: int, writer: Connection) -> None:
    """The child's side: parse and prepare, send each chunk marshalled (1 byte of kind first)."""
    gc.disable()
    try:
        for chunk in _chunks(lines, batch, True):
            writer.send_bytes(b"C" + marshal.dumps(chunk))
        writer.send_bytes(b"D")
    except ValueError as exc:
        writer.send_bytes(b"E" + str(exc).encode())
    except BaseException as exc:  # anything else: the parent says what it was
        writer.send_bytes(b"X" + repr(exc).encode())
    finally:
        writer.close()


def chunks(lines: Iterable[str | bytes], batch: int, as_text: bool) -> Iterator[list[dict]]:
    """As _chunks, but on SQLite (text timestamps) the parsing runs in a forked process.

    Parsing and preparing are half the load's Python time, and a thread does not help: the
    driver takes the GIL back for every row it binds, and the two threads convoy. A child
    process parses while the parent writes; marshal hands the chunks back (cheaper to read
    than pickle or JSON). PostgreSQL's prepared rows hold datetimes, which marshal cannot
    carry: they are parsed in this process.
    """
    if not as_text or "fork" not in multiprocessing.get_all_start_methods():
        yield from _chunks(lines, batch, as_text)
        return
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_produce, args=(lines, batch, writer), daemon=True)
    child.start()
    writer.close()
    try:
        while True:
            try:
                message = reader.recv_bytes()
            except EOFError:
                raise RuntimeError("the NDJSON parser process ended without a word") from None
            kind, body = message[:1], message[1:]
            if kind == b"C":
                yield marshal.loads(body)
            elif kind == b"D":
                return
            elif kind == b"E":
                raise ValueError(body.decode())
            else:
                raise RuntimeError(f"the NDJSON parser failed: {body.decode()}")
    finally:
        reader.close()  # a child still writing gets EPIPE and ends
        child.join(timeout=10)
        if child.is_alive():
            child.kill()
            child.join()
