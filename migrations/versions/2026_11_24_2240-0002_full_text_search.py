"""full-text search over recommendation text and addressee

SQLite: an external-content FTS5 table kept in sync by triggers. PostgreSQL: a generated
tsvector column with a GIN index. Either way the database keeps the index current on every
write; no application code has to remember to.

Beware on SQLite: a later batch_alter_table on `recommendations` copies the table and drops
these triggers; such a migration must create them again (call _create_sqlite_triggers).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 22:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_TRIGGERS = {
    "recommendations_fts_ai": """
        CREATE TRIGGER recommendations_fts_ai AFTER INSERT ON recommendations BEGIN
            INSERT INTO recommendations_fts(rowid, text, addressee_raw)
            VALUES (new.id, new.text, new.addressee_raw);
        END""",
    "recommendations_fts_ad": """
        CREATE TRIGGER recommendations_fts_ad AFTER DELETE ON recommendations BEGIN
            INSERT INTO recommendations_fts(recommendations_fts, rowid, text, addressee_raw)
            VALUES ('delete', old.id, old.text, old.addressee_raw);
        END""",
    "recommendations_fts_au": """
        CREATE TRIGGER recommendations_fts_au AFTER UPDATE OF text, addressee_raw
        ON recommendations BEGIN
            INSERT INTO recommendations_fts(recommendations_fts, rowid, text, addressee_raw)
            VALUES ('delete', old.id, old.text, old.addressee_raw);
            INSERT INTO recommendations_fts(rowid, text, addressee_raw)
            VALUES (new.id, new.text, new.addressee_raw);
        END""",
}


def _create_sqlite_triggers() -> None:
    for ddl in SQLITE_TRIGGERS.values():
        op.execute(ddl)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            ALTER TABLE recommendations ADD COLUMN search_vector tsvector
            GENERATED ALWAYS AS (
                setweight(to_tsvector('english', coalesce(text, '')), 'A')
                || setweight(to_tsvector('english', coalesce(addressee_raw, '')), 'B')
            ) STORED
            """
        )
        op.execute(
            "CREATE INDEX ix_recommendations_search_vector ON recommendations "
            "USING gin (search_vector)"
        )
        return
    op.execute(
        """
        CREATE VIRTUAL TABLE recommendations_fts USING fts5(
            text, addressee_raw,
            content='recommendations', content_rowid='id',
            tokenize='porter unicode61 remove_diacritics 2'
        )
        """
    )
    op.execute("INSERT INTO recommendations_fts(recommendations_fts) VALUES ('rebuild')")
    _create_sqlite_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_recommendations_search_vector")
        op.execute("ALTER TABLE recommendations DROP COLUMN search_vector")
        return
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE recommendations_fts")
