"""recommendation links

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 22:35:44.980360
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recommendation_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("low_id", sa.Integer(), nullable=False),
        sa.Column("high_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column(
            "state",
            sa.Enum(
                "suggested",
                "confirmed",
                "rejected",
                name="link_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reviewed_by", sa.String(length=200), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("low_id < high_id", name=op.f("ck_recommendation_links_ordered_pair")),
        sa.ForeignKeyConstraint(
            ["high_id"],
            ["recommendations.id"],
            name=op.f("fk_recommendation_links_high_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["low_id"],
            ["recommendations.id"],
            name=op.f("fk_recommendation_links_low_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_links")),
        sa.UniqueConstraint(
            "low_id", "high_id", name=op.f("uq_recommendation_links_low_id_high_id")
        ),
    )
    with op.batch_alter_table("recommendation_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recommendation_links_high_id"), ["high_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("recommendation_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_links_high_id"))

    op.drop_table("recommendation_links")
