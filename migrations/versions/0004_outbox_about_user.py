"""Outbox: the account a message carries words or contact details of

Erasing an account then removes the emails to others that quote it (a coach's
request, a comment, a proposal) as well as the emails to it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 22:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('about_user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_messages_about_user_id'),
                              ['about_user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_messages_about_user_id_users'),
                                    'users', ['about_user_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_messages_about_user_id_users'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_about_user_id'))
        batch_op.drop_column('about_user_id')
