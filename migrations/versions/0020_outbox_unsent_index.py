"""An index over the email not yet sent

The outbox keeps every message it sent, so it grows for ever, while what
send-email, /healthz and /metrics read is the few messages still waiting. A
partial index of the unsent rows (due time, and whether given up) stays as
small as the backlog and answers those reads without touching the rest.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 22:05:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

UNSENT = sa.text('sent_at IS NULL')


def upgrade():
    op.create_index('ix_outbox_messages_unsent', 'outbox_messages',
                    ['failed_at', 'next_attempt_at'], unique=False,
                    postgresql_where=UNSENT, sqlite_where=UNSENT)


def downgrade():
    op.drop_index('ix_outbox_messages_unsent', table_name='outbox_messages')
