"""Engine, declarative base and the request-scoped session dependency."""

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Execution option that makes a SQLite transaction begin with BEGIN IMMEDIATE.
WRITE_OPTION = "recotrack_write"
# Execution option for a bulk load's transactions: SQLite skips fsync (synchronous=OFF) on them.
BULK_OPTION = "recotrack_bulk"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp that comes back aware on SQLite too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


# SQLite connections per process (a file database). Each keeps its own page cache and
# full-text buffers, and more of them than cores only contend: with SQLAlchemy's default of
# 15, sixteen concurrent list requests at 1M rows took a worker from 93 to 160 MB RSS at 67
# req/s; with 6, to 115 MB at 89 req/s. Requests beyond them wait for a connection (up to
# the pool timeout, then a 503).
SQLITE_POOL_SIZE = 4
SQLITE_POOL_OVERFLOW = 2
# The page size a new SQLite database is created with (see _sqlite_pragmas).
SQLITE_PAGE_SIZE = 8192


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Build an engine; SQLite gets foreign keys, WAL and a busy timeout on every connection."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs = {"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_POOL_OVERFLOW} | kwargs
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        # Only a new database takes this (before its first table); 8 KiB pages made a 200k bulk
        # load 5% faster than SQLite's 4 KiB (3 back-to-back pairs): fewer page splits and
        # WAL frames. An existing database keeps its page size.
        cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        # A deferred transaction that reads and then writes fails at once ("database is
        # locked") if another writer committed in between; writers take the lock up front.
        options = conn.get_execution_options()
        # synchronous can only change outside a transaction; a pooled connection a bulk load
        # used gets NORMAL back when anything else begins on it.
        bulk = bool(options.get(BULK_OPTION))
        info = conn.connection.info
        if info.get(BULK_OPTION, False) is not bulk:
            conn.exec_driver_sql(f"PRAGMA synchronous={'OFF' if bulk else 'NORMAL'}")
            info[BULK_OPTION] = bulk
        if not options.get(WRITE_OPTION):
            conn.exec_driver_sql("BEGIN")
            return
        _take_write_turn(info)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _end_write_turn(info)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _sqlite_end(conn: Any) -> None:
        _end_write_turn(conn.info)

    @event.listens_for(engine, "checkin")
    def _sqlite_checkin(_dbapi_conn: Any, record: Any) -> None:
        _end_write_turn(record.info)  # in case the transaction ended some other way

    return engine


# Writers of one process take turns here before BEGIN IMMEDIATE. SQLite's own lock makes a
# waiting writer poll with growing sleeps (up to 100 ms), so under sixteen concurrent status
# writes some waited 1-2 s while later ones won (p99 30x p50); a lock queues them instead.
# Writers in other processes still meet at SQLite's lock. A turn not ended (a connection lost
# mid-transaction) delays the next writer by WRITE_TURN_TIMEOUT, never blocks it for good.
_write_turn = threading.Lock()
WRITE_TURN_TIMEOUT = 30.0
_TURN = "recotrack_write_turn"


def _take_write_turn(info: dict) -> None:
    info[_TURN] = _write_turn.acquire(timeout=WRITE_TURN_TIMEOUT)


def _end_write_turn(info: dict) -> None:
    if info.pop(_TURN, False):
        _write_turn.release()


def begin_write(session: Session, bulk: bool = False) -> None:
    """Start the session's transaction as a writer: BEGIN IMMEDIATE on SQLite, plain elsewhere.

    A bulk load's transactions (bulk=True) skip fsync on SQLite: a power cut can lose or damage
    what the load wrote, which the load can then simply be run again for.
    """
    if not session.in_transaction():
        session.connection(execution_options={WRITE_OPTION: True, BULK_OPTION: bulk})


def get_session(request: Request) -> Iterator[Session]:
    """Yield a session for one request; it never commits, and rolls back whatever is left."""
    with request.app.state.sessionmaker() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
