"""drop the (status, recommendation_id) index on actor links: no query reads it any more

Migration 0004 added it to count, per status, the recommendations with at least one actor
(for the "no actor" row of stats by actor). SQLite now reads that from status_counts (0005)
and PostgreSQL counts the recommendations without a link in one anti-join; keeping the index
cost every link insert a third B-tree (about 6% of a bulk load).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 02:05:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_recommendation_actors_status", table_name="recommendation_actors")


def downgrade() -> None:
    op.create_index(
        "ix_recommendation_actors_status", "recommendation_actors", ["status", "recommendation_id"]
    )
