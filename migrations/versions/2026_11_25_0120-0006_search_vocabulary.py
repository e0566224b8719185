"""the full-text index's vocabulary, to spell a search prefix out as the terms it matches (SQLite)

FTS5 merges the doclists of every term a prefix matches, in full, for each statement that
uses the prefix (6 ms at 200k matches, even for a range of 50 rowids); the same terms
written out cost 0.1 ms. services/search.py reads them from this fts5vocab table.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 01:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE recommendations_fts_vocab"
            " USING fts5vocab(recommendations_fts, row)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE recommendations_fts_vocab")
