"""Projection and system-of-record tables.

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-29 11:17:12.519238
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
BIG_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", BIG_SERIAL, autoincrement=True, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("path", sa.String(length=2048), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("resource_type", sa.String(length=64), nullable=True),
        sa.Column("resource_id", sa.String(length=255), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=512), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
    )
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_log_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_log_at"), ["at"], unique=False)
        batch_op.create_index(
            "ix_access_log_resource_type_resource_id", ["resource_type", "resource_id"], unique=False
        )

    op.create_table(
        "applications",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("status_detail", sa.Text(), nullable=True),
        sa.Column("review_reasons", JSON, nullable=False),
        sa.Column("warnings", JSON, nullable=False),
        sa.Column("extractor_version", sa.String(length=64), nullable=False),
        sa.Column("iso_broker", sa.Text(), nullable=False),
        sa.Column("duplicate_of", sa.String(length=64), nullable=True),
        sa.Column("related_application_ids", JSON, nullable=False),
        sa.Column("submission_id", sa.String(length=64), nullable=False),
        sa.Column("bank_months_covered", sa.Integer(), nullable=True),
        sa.Column("bank_period_start", sa.Date(), nullable=True),
        sa.Column("bank_period_end", sa.Date(), nullable=True),
        sa.Column("bank_gap_months", JSON, nullable=True),
        sa.Column("bank_total_deposits", MONEY, nullable=True),
        sa.Column("bank_true_revenue", MONEY, nullable=True),
        sa.Column("bank_average_monthly_true_revenue", MONEY, nullable=True),
        sa.Column("bank_mca_debits", MONEY, nullable=True),
        sa.Column("bank_position_load", sa.Float(), nullable=True),
        sa.Column("voided_check_document_id", sa.String(length=64), nullable=True),
        sa.Column("voided_check_bank_name", sa.Text(), nullable=True),
        sa.Column("voided_check_routing_number_key_id", sa.String(length=64), nullable=True),
        sa.Column("voided_check_routing_number_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("voided_check_routing_number_masked", sa.Text(), nullable=True),
        sa.Column("voided_check_account_number_key_id", sa.String(length=64), nullable=True),
        sa.Column("voided_check_account_number_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("voided_check_account_number_masked", sa.Text(), nullable=True),
        sa.Column("voided_check_routing_checksum_valid", sa.Boolean(), nullable=True),
        sa.Column("corrections", JSON, nullable=False),
        sa.Column("review_decision", sa.String(length=16), nullable=True),
        sa.Column("review_actor", sa.Text(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("reviewed_at", TIMESTAMP, nullable=True),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_applications")),
    )
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_applications_duplicate_of"), ["duplicate_of"], unique=False)
        batch_op.create_index(batch_op.f("ix_applications_iso_broker"), ["iso_broker"], unique=False)
        batch_op.create_index(
            "ix_applications_received_at_application_id", ["received_at", "application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_applications_status"), ["status"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", BIG_SERIAL, autoincrement=True, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(length=255), nullable=False),
        sa.Column("actor_role", sa.String(length=32), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target_type", sa.String(length=64), nullable=False),
        sa.Column("target_id", sa.String(length=255), nullable=True),
        sa.Column("detail", JSON, nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
        batch_op.create_index(
            "ix_audit_log_target_type_target_id", ["target_type", "target_id"], unique=False
        )

    op.create_table(
        "sink_offsets",
        sa.Column("group_id", sa.String(length=255), nullable=False),
        sa.Column("topic", sa.String(length=255), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("next_offset", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("group_id", "topic", "partition", name=op.f("pk_sink_offsets")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.Column("last_login_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint(
            "role IN ('admin', 'underwriter', 'analyst', 'partner')", name=op.f("ck_users_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("event_types", JSON, nullable=False),
        sa.Column("secret_key_id", sa.String(length=64), nullable=False),
        sa.Column("secret_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("previous_secret_key_id", sa.String(length=64), nullable=True),
        sa.Column("previous_secret_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("previous_secret_expires_at", TIMESTAMP, nullable=True),
        sa.Column("allow_private_addresses", sa.Boolean(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("failing_since", TIMESTAMP, nullable=True),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("disabled_at", TIMESTAMP, nullable=True),
        sa.Column("created_by", sa.String(length=255), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("status IN ('enabled', 'disabled')", name=op.f("ck_webhook_endpoints_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_webhook_endpoints_status"), ["status"], unique=False)

    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("prefix", sa.String(length=32), nullable=False),
        sa.Column("key_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("last_used_at", TIMESTAMP, nullable=True),
        sa.Column("expires_at", TIMESTAMP, nullable=True),
        sa.Column("revoked_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint(
            "role IN ('admin', 'underwriter', 'analyst', 'partner')", name=op.f("ck_api_keys_role")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_keys_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_keys_prefix")),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_user_id"), ["user_id"], unique=False)

    op.create_table(
        "bank_statements",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("bank_name", sa.Text(), nullable=True),
        sa.Column("account_last4", sa.Text(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("beginning_balance", MONEY, nullable=True),
        sa.Column("ending_balance", MONEY, nullable=True),
        sa.Column("total_deposits", MONEY, nullable=True),
        sa.Column("deposit_count", sa.Integer(), nullable=True),
        sa.Column("total_withdrawals", MONEY, nullable=True),
        sa.Column("nsf_count", sa.Integer(), nullable=True),
        sa.Column("negative_days", sa.Integer(), nullable=True),
        sa.Column("average_daily_balance", MONEY, nullable=True),
        sa.Column("reconciled", sa.Boolean(), nullable=True),
        sa.Column("true_revenue", MONEY, nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.application_id"],
            name=op.f("fk_bank_statements_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", "position", name=op.f("pk_bank_statements")),
    )
    with op.batch_alter_table("bank_statements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_statements_document_id"), ["document_id"], unique=False)

    op.create_table(
        "documents",
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("submission_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.Column("content_type", sa.Text(), nullable=False),
        sa.Column("doc_type", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("raster", sa.Boolean(), nullable=False),
        sa.Column("skew_deg", sa.Float(), nullable=True),
        sa.Column("blob_uri", sa.Text(), nullable=True),
        sa.Column("blob_size", sa.BigInteger(), nullable=True),
        sa.Column("blob_sha256", sa.String(length=64), nullable=True),
        sa.Column("blob_content_type", sa.Text(), nullable=True),
        sa.Column("container", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.application_id"],
            name=op.f("fk_documents_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_documents")),
    )
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_documents_application_id"), ["application_id"], unique=False)

    op.create_table(
        "field_provenance",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("path", sa.String(length=255), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=True),
        sa.Column("page", sa.Integer(), nullable=True),
        sa.Column("box_x0", sa.Float(), nullable=True),
        sa.Column("box_y0", sa.Float(), nullable=True),
        sa.Column("box_x1", sa.Float(), nullable=True),
        sa.Column("box_y1", sa.Float(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("errors", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.application_id"],
            name=op.f("fk_field_provenance_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", "path", name=op.f("pk_field_provenance")),
    )
    op.create_table(
        "funding_requests",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("amount_requested", MONEY, nullable=True),
        sa.Column("use_of_funds", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.application_id"],
            name=op.f("fk_funding_requests_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_funding_requests")),
    )
    op.create_table(
        "merchants",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("legal_name", sa.Text(), nullable=True),
        sa.Column("dba_name", sa.Text(), nullable=True),
        sa.Column("ein", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("industry", sa.Text(), nullable=True),
        sa.Column("business_start_date", sa.Date(), nullable=True),
        sa.Column("entity_type", sa.Text(), nullable=True),
        sa.Column("annual_revenue", MONEY, nullable=True),
        sa.Column("address_street", sa.Text(), nullable=True),
        sa.Column("address_city", sa.Text(), nullable=True),
        sa.Column("address_state", sa.Text(), nullable=True),
        sa.Column("address_zip", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.application_id"],
            name=op.f("fk_merchants_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_merchants")),
    )
    with op.batch_alter_table("merchants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merchants_ein"), ["ein"], unique=False)
        batch_op.create_index(batch_op.f("ix_merchants_legal_name"), ["legal_name"], unique=False)

    op.create_table(
        "owners",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("ssn_key_id", sa.String(length=64), nullable=True),
        sa.Column("ssn_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("ssn_masked", sa.Text(), nullable=True),
        sa.Column("date_of_birth_key_id", sa.String(length=64), nullable=True),
        sa.Column("date_of_birth_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("date_of_birth_masked", sa.Text(), nullable=True),
        sa.Column("ownership_pct", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("address_street", sa.Text(), nullable=True),
        sa.Column("address_city", sa.Text(), nullable=True),
        sa.Column("address_state", sa.Text(), nullable=True),
        sa.Column("address_zip", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.application_id"],
            name=op.f("fk_owners_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("application_id", "position", name=op.f("pk_owners")),
    )
    op.create_table(
        "submissions",
        sa.Column("submission_id", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("iso_broker", sa.Text(), nullable=False),
        sa.Column("sender", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("email_date", TIMESTAMP, nullable=True),
        sa.Column("received_at", TIMESTAMP, nullable=False),
        sa.Column("document_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.application_id"],
            name=op.f("fk_submissions_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("submission_id", name=op.f("pk_submissions")),
    )
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submissions_application_id"), ["application_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_submissions_message_id"), ["message_id"], unique=False)

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", BIG_SERIAL, autoincrement=True, nullable=False),
        sa.Column("delivery_id", sa.String(length=64), nullable=False),
        sa.Column("endpoint_id", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("event_type", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=64), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("response_excerpt", sa.Text(), nullable=True),
        sa.Column("attempted_at", TIMESTAMP, nullable=False),
        sa.Column("next_attempt_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint(
            "outcome IN ('succeeded', 'failed', 'retrying', 'dead_lettered')",
            name=op.f("ck_webhook_deliveries_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
        sa.UniqueConstraint("delivery_id", "attempt", name=op.f("uq_webhook_deliveries_delivery_id_attempt")),
    )
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_deliveries_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_webhook_deliveries_delivery_id"), ["delivery_id"], unique=False)
        batch_op.create_index(
            "ix_webhook_deliveries_endpoint_id_attempted_at", ["endpoint_id", "attempted_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_webhook_deliveries_event_id"), ["event_id"], unique=False)

    op.create_table(
        "mca_positions",
        sa.Column("application_id", sa.String(length=64), nullable=False),
        sa.Column("statement_position", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.String(length=64), nullable=False),
        sa.Column("lender", sa.Text(), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id", "statement_position"],
            ["bank_statements.application_id", "bank_statements.position"],
            name=op.f("fk_mca_positions_application_id_bank_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "application_id", "statement_position", "position", name=op.f("pk_mca_positions")
        ),
    )
    with op.batch_alter_table("mca_positions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mca_positions_lender"), ["lender"], unique=False)


def downgrade() -> None:
    op.drop_table("mca_positions")
    op.drop_table("webhook_deliveries")
    op.drop_table("submissions")
    op.drop_table("owners")
    op.drop_table("merchants")
    op.drop_table("funding_requests")
    op.drop_table("field_provenance")
    op.drop_table("documents")
    op.drop_table("bank_statements")
    op.drop_table("api_keys")
    op.drop_table("webhook_endpoints")
    op.drop_table("users")
    op.drop_table("sink_offsets")
    op.drop_table("audit_log")
    op.drop_table("applications")
    op.drop_table("access_log")
