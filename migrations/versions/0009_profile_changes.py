"""Supporter profile changes kept apart from the verified version

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 12:30:00.000000

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
