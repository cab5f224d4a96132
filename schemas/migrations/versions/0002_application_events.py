"""Processing history: the projection of mca.application.event.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 11:23:51.188172
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# Column types spelled once; equal to those of schemas.db.base at this revision.
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)
MONEY = sa.Numeric(precision=18, scale=2)

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "application_events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("occurred_at", TIMESTAMP, nullable=False),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("previous_status", sa.String(length=32), nullable=True),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("warnings", JSON, nullable=False),
        sa.Column("submission_id", sa.String(length=64), nullable=False),
        sa.Column("iso_broker", sa.Text(), nullable=False),
        sa.Column("duplicate_of", sa.String(length=64), nullable=True),
        sa.Column("merchant_name", sa.Text(), nullable=True),
        sa.Column("amount_requested", MONEY, nullable=True),
        sa.Column("extractor_version", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column("command_id", sa.String(length=64), nullable=True),
        sa.Column("corrected_fields", JSON, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_application_events")),
    )
    with op.batch_alter_table("application_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_application_events_application_id_version", ["application_id", "version"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("application_events", schema=None) as batch_op:
        batch_op.drop_index("ix_application_events_application_id_version")
    op.drop_table("application_events")
