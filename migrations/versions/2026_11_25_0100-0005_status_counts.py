"""status counts kept by triggers (SQLite): stats and counts by actor and status without a scan

At 1M recommendations, `stats?by=actor` over everything read 3M index entries (250 ms) and
the total of "actor X, status Y" one index range per request. Two small tables, kept current
by triggers in the same transaction as every write, answer both from a few rows:

- status_counts: per status, how many recommendations are in it (total) and how many of
  those have no actor (unlinked);
- actor_status_counts: per actor and status, how many recommendations name the actor.

SQLite only: its writes are serialised anyway, so the shared counter rows add no contention.
On PostgreSQL the same rows would serialise every concurrent status change (and could
deadlock two opposite changes), so there the stats read the (actor_id, status) index of
migration 0004 instead. The bulk loader (services/bulk.py) drops the two insert triggers for
a batch and adds the batch's counts in two statements.

Links are only ever inserted and deleted (the ORM never updates a link's two ids); a link's
status copy (0004) follows its recommendation and is read when the link goes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 01:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HAS_LINKS = "EXISTS (SELECT 1 FROM recommendation_actors WHERE recommendation_id = {})"

SQLITE_TRIGGERS = {
    # A new recommendation has no actor yet: its links come in their own inserts.
    "status_counts_rec_ai": """
        CREATE TRIGGER status_counts_rec_ai AFTER INSERT ON recommendations BEGIN
            INSERT INTO status_counts (status, total, unlinked) VALUES (new.status, 1, 1)
            ON CONFLICT (status) DO UPDATE SET total = total + 1, unlinked = unlinked + 1;
        END""",
    # BEFORE: the links that ON DELETE CASCADE removes are still there to be seen.
    "status_counts_rec_bd": f"""
        CREATE TRIGGER status_counts_rec_bd BEFORE DELETE ON recommendations BEGIN
            UPDATE status_counts
            SET total = total - 1, unlinked = unlinked - (NOT {_HAS_LINKS.format("old.id")})
            WHERE status = old.status;
        END""",
    "status_counts_rec_au": f"""
        CREATE TRIGGER status_counts_rec_au AFTER UPDATE OF status ON recommendations
        WHEN old.status IS NOT new.status BEGIN
            UPDATE status_counts
            SET total = total - 1, unlinked = unlinked - (NOT {_HAS_LINKS.format("new.id")})
            WHERE status = old.status;
            INSERT INTO status_counts (status, total, unlinked)
            VALUES (new.status, 1, NOT {_HAS_LINKS.format("new.id")})
            ON CONFLICT (status) DO UPDATE
            SET total = total + 1, unlinked = unlinked + excluded.unlinked;
            UPDATE actor_status_counts SET n = n - 1
            WHERE status = old.status AND actor_id IN
                (SELECT actor_id FROM recommendation_actors WHERE recommendation_id = new.id);
            INSERT INTO actor_status_counts (actor_id, status, n)
            SELECT actor_id, new.status, 1 FROM recommendation_actors
            WHERE recommendation_id = new.id
            ON CONFLICT (actor_id, status) DO UPDATE SET n = n + 1;
        END""",
    "status_counts_link_ai": """
        CREATE TRIGGER status_counts_link_ai AFTER INSERT ON recommendation_actors BEGIN
            INSERT INTO actor_status_counts (actor_id, status, n)
            SELECT new.actor_id, status, 1 FROM recommendations WHERE id = new.recommendation_id
            ON CONFLICT (actor_id, status) DO UPDATE SET n = n + 1;
            UPDATE status_counts SET unlinked = unlinked - 1
            WHERE status = (SELECT status FROM recommendations WHERE id = new.recommendation_id)
              AND (SELECT count(*) FROM recommendation_actors
                   WHERE recommendation_id = new.recommendation_id) = 1;
        END""",
    # A recommendation's last link going makes it unlinked, unless the recommendation itself
    # is going (a cascade: it is already gone when its links' triggers run).
    "status_counts_link_ad": f"""
        CREATE TRIGGER status_counts_link_ad AFTER DELETE ON recommendation_actors BEGIN
            UPDATE actor_status_counts SET n = n - 1
            WHERE actor_id = old.actor_id AND status = old.status;
            UPDATE status_counts SET unlinked = unlinked + 1
            WHERE status = (SELECT status FROM recommendations WHERE id = old.recommendation_id)
              AND NOT {_HAS_LINKS.format("old.recommendation_id")};
        END""",
}

BACKFILL = (
    f"""
    INSERT INTO status_counts (status, total, unlinked)
    SELECT status, count(*), sum(NOT {_HAS_LINKS.format("r.id")})
    FROM recommendations r GROUP BY status
    """,
    """
    INSERT INTO actor_status_counts (actor_id, status, n)
    SELECT actor_id, status, count(*) FROM recommendation_actors GROUP BY actor_id, status
    """,
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        """
        CREATE TABLE status_counts (
            status VARCHAR(32) NOT NULL PRIMARY KEY,
            total INTEGER NOT NULL,
            unlinked INTEGER NOT NULL
        )
        """
    )
    op.execute(
        """
        CREATE TABLE actor_status_counts (
            actor_id INTEGER NOT NULL,
            status VARCHAR(32) NOT NULL,
            n INTEGER NOT NULL,
            PRIMARY KEY (actor_id, status)
        ) WITHOUT ROWID
        """
    )
    for sql in BACKFILL:
        op.execute(sql)
    for ddl in SQLITE_TRIGGERS.values():
        op.execute(ddl)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE actor_status_counts")
    op.execute("DROP TABLE status_counts")
