"""Outbox: when retrying started, so a dead letter sent again gets its full retries

Email is now retried for MAIL_RETRY_HOURS (3 days by default) from when it was
queued, or from when an admin sent a dead letter again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retry_from', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('retry_from')
