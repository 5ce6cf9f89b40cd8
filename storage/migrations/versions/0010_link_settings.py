"""link settings: the k and threshold the similar links were computed with (issue 3)

``pykala links --k/--threshold`` rebuilds every similar link with other settings. Before
this revision the settings were not kept, so the next harvest's update recomputed the
changed items' links with the defaults, mixing two kinds of links. An archive without a
row here has links of the defaults (k 5, threshold 0.15).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 20:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "link_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_settings")),
    )


def downgrade() -> None:
    op.drop_table("link_settings")
