"""Outbox messages carry a one-click unsubscribe address

Alert digests say where to unsubscribe in the List-Unsubscribe header (RFC
2369) with List-Unsubscribe-Post (RFC 8058), so mail programs offer it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 16:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN: SQLite keeps the table (and anything attached to it) as it is.
    op.add_column('outbox_messages', sa.Column('list_unsubscribe', sa.String(length=500),
                                               nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('list_unsubscribe')
