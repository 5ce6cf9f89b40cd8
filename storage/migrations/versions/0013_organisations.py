"""organisations: who decides (municipality, wellbeing county, joint authority, other) and
its member municipalities; a source belongs to one, and may be shipped disabled with a
reason (issue 16)

Every stored municipality becomes an organisation of type municipality with itself as
its only member, and every source that named a municipality belongs to it, so an
archive from before this revision exports and filters exactly as before.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("type", sa.Text(), nullable=False),
        sa.Column("name_fi", sa.Text(), nullable=False),
        sa.Column("name_sv", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("code", name=op.f("uq_organisation_code")),
    )
    op.create_table(
        "organisation_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_organisation_member_organisation_id_organisation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipality.code"],
            name=op.f("fk_organisation_member_municipality_code_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_member")),
        sa.UniqueConstraint(
            "organisation_id",
            "municipality_code",
            name=op.f("uq_organisation_member_organisation_id_municipality_code"),
        ),
    )
    op.create_index(
        op.f("ix_organisation_member_municipality_code"),
        "organisation_member",
        ["municipality_code"],
    )
    # Plain ALTER TABLE (a batch table copy on SQLite would break the triggers of 0009).
    # SQLite gets the column without its REFERENCES clause: it cannot ALTER in a foreign
    # key, nor drop a column that has one; sync_sources is the only writer of the column.
    if op.get_bind().dialect.name == "sqlite":
        op.add_column("source", sa.Column("organisation_id", sa.Integer(), nullable=True))
    else:
        op.add_column(
            "source",
            sa.Column(
                "organisation_id",
                sa.Integer(),
                sa.ForeignKey(
                    "organisation.id", name=op.f("fk_source_organisation_id_organisation")
                ),
                nullable=True,
            ),
        )
    op.create_index(op.f("ix_source_organisation_id"), "source", ["organisation_id"])
    op.add_column("source", sa.Column("disabled_reason", sa.Text(), nullable=True))
    op.execute(
        "INSERT INTO organisation (code, type, name_fi, name_sv) "
        "SELECT code, 'municipality', name_fi, name_sv FROM municipality"
    )
    op.execute(
        "INSERT INTO organisation_member (organisation_id, municipality_code) "
        "SELECT id, code FROM organisation"
    )
    op.execute(
        "UPDATE source SET organisation_id = "
        "(SELECT o.id FROM organisation o WHERE o.code = source.municipality_code) "
        "WHERE municipality_code IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_column("source", "disabled_reason")
    op.drop_index(op.f("ix_source_organisation_id"), table_name="source")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(
            op.f("fk_source_organisation_id_organisation"), "source", type_="foreignkey"
        )
    op.drop_column("source", "organisation_id")
    op.drop_index(
        op.f("ix_organisation_member_municipality_code"), table_name="organisation_member"
    )
    op.drop_table("organisation_member")
    op.drop_table("organisation")
