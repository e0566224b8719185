"""read-path indexes: newest-first walks, and each actor link carries its recommendation's status

- recommendations (document_id, id): walk a document's items in id order, so a newest-first
  page reads documents by published_on and stops after 50 rows instead of sorting every match.
- recommendation_actors.status, a copy of the recommendation's status kept by triggers, with
  the covering index (actor_id, status, recommendation_id): counting "actor X, status Y" and
  stats by actor read one index range instead of probing every linked recommendation.
  It replaces the index on actor_id alone, which it covers. (status, recommendation_id)
  counts the recommendations with at least one actor, per status, in index order.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_TRIGGERS = {
    # A new link takes its recommendation's status (the ORM inserts the two ids only).
    "recommendation_actors_status_ai": """
        CREATE TRIGGER recommendation_actors_status_ai AFTER INSERT ON recommendation_actors
        BEGIN
            UPDATE recommendation_actors
            SET status = (SELECT status FROM recommendations WHERE id = new.recommendation_id)
            WHERE recommendation_id = new.recommendation_id AND actor_id = new.actor_id;
        END""",
    "recommendations_status_au": """
        CREATE TRIGGER recommendations_status_au AFTER UPDATE OF status ON recommendations
        WHEN old.status IS NOT new.status
        BEGIN
            UPDATE recommendation_actors SET status = new.status
            WHERE recommendation_id = new.id;
        END""",
}

POSTGRES_FUNCTIONS = {
    "recommendation_actors_status_bi": """
        CREATE FUNCTION recommendation_actors_status_bi() RETURNS trigger AS $$
        BEGIN
            NEW.status := (SELECT status FROM recommendations WHERE id = NEW.recommendation_id);
            RETURN NEW;
        END $$ LANGUAGE plpgsql""",
    "recommendations_status_au": """
        CREATE FUNCTION recommendations_status_au() RETURNS trigger AS $$
        BEGIN
            UPDATE recommendation_actors SET status = NEW.status
            WHERE recommendation_id = NEW.id;
            RETURN NULL;
        END $$ LANGUAGE plpgsql""",
}
POSTGRES_TRIGGERS = {
    "recommendation_actors_status_bi": """
        CREATE TRIGGER recommendation_actors_status_bi BEFORE INSERT ON recommendation_actors
        FOR EACH ROW EXECUTE FUNCTION recommendation_actors_status_bi()""",
    "recommendations_status_au": """
        CREATE TRIGGER recommendations_status_au AFTER UPDATE OF status ON recommendations
        FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
        EXECUTE FUNCTION recommendations_status_au()""",
}
POSTGRES_TRIGGER_TABLES = {
    "recommendation_actors_status_bi": "recommendation_actors",
    "recommendations_status_au": "recommendations",
}


def upgrade() -> None:
    op.create_index("ix_recommendations_document_id_id", "recommendations", ["document_id", "id"])
    op.add_column(
        "recommendation_actors",
        sa.Column("status", sa.String(length=32), server_default="unassessed", nullable=False),
    )
    op.execute(
        "UPDATE recommendation_actors SET status = (SELECT status FROM recommendations "
        "WHERE recommendations.id = recommendation_actors.recommendation_id)"
    )
    op.create_index(
        "ix_recommendation_actors_actor_id_status",
        "recommendation_actors",
        ["actor_id", "status", "recommendation_id"],
    )
    op.create_index(
        "ix_recommendation_actors_status", "recommendation_actors", ["status", "recommendation_id"]
    )
    op.drop_index("ix_recommendation_actors_actor_id", table_name="recommendation_actors")
    if op.get_bind().dialect.name == "postgresql":
        for name, ddl in POSTGRES_FUNCTIONS.items():
            op.execute(ddl)
            op.execute(POSTGRES_TRIGGERS[name])
    else:
        for ddl in SQLITE_TRIGGERS.values():
            op.execute(ddl)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, table in POSTGRES_TRIGGER_TABLES.items():
            op.execute(f"DROP TRIGGER {name} ON {table}")
            op.execute(f"DROP FUNCTION {name}()")
    else:
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    op.create_index("ix_recommendation_actors_actor_id", "recommendation_actors", ["actor_id"])
    op.drop_index("ix_recommendation_actors_actor_id_status", table_name="recommendation_actors")
    op.drop_index("ix_recommendation_actors_status", table_name="recommendation_actors")
    with op.batch_alter_table("recommendation_actors") as batch:
        batch.drop_column("status")
    op.drop_index("ix_recommendations_document_id_id", table_name="recommendations")
