"""Retiring taxonomy items

Roles, event groups, needs and qualifications get ``retired_at``: a retired
item leaves every new choice while the records that hold it still read it.
Needs had an ``active`` flag for the same idea; it becomes ``retired_at`` (an
inactive need is retired as of this migration) so there is one concept.

Columns are added and dropped in place (SQLite 3.35+ drops a column without
rebuilding the table), so the data_version triggers of 0007 stay on the tables.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

TABLES = ('support_roles', 'event_groups', 'needs', 'qualifications')


def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))
    op.execute('UPDATE needs SET retired_at = CURRENT_TIMESTAMP WHERE NOT active')
    op.drop_column('needs', 'active')


def downgrade():
    op.add_column('needs', sa.Column('active', sa.Boolean(), nullable=False,
                                     server_default=sa.true()))
    op.execute('UPDATE needs SET active = (retired_at IS NULL)')
    for table in reversed(TABLES):
        op.drop_column(table, 'retired_at')
