"""Responsiveness and reports of supporters who never answer

Coaches may report a request that went unanswered (once per request); admins
dismiss a report or pause the supporter. Reply times on cards need no table:
they are computed from the requests when the search index is built.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

STATUSES = ('open', 'dismissed', 'supporter_paused')


def upgrade():
    op.create_table(
        'unanswered_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('reporter_id', sa.Integer(), nullable=False),
        sa.Column('supporter_id', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('status', sa.Enum(*STATUSES, name='unanswered_report_status',
                                    native_enum=False, create_constraint=True, length=20),
                  nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('length(note) <= 1000',
                           name=op.f('ck_unanswered_reports_note_length')),
        sa.ForeignKeyConstraint(['request_id'], ['support_requests.id'],
                                name=op.f('fk_unanswered_reports_request_id_support_requests'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['reporter_id'], ['users.id'],
                                name=op.f('fk_unanswered_reports_reporter_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['supporter_id'], ['supporter_profiles.id'],
                                name=op.f('fk_unanswered_reports_supporter_id_supporter_profiles'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_unanswered_reports_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_unanswered_reports')),
        sa.UniqueConstraint('request_id', name=op.f('uq_unanswered_reports_request_id')),
    )
    op.create_index('ix_unanswered_reports_reporter_id', 'unanswered_reports',
                    ['reporter_id'], unique=False)
    op.create_index('ix_unanswered_reports_supporter_status', 'unanswered_reports',
                    ['supporter_id', 'status'], unique=False)


def downgrade():
    op.drop_index('ix_unanswered_reports_supporter_status', table_name='unanswered_reports')
    op.drop_index('ix_unanswered_reports_reporter_id', table_name='unanswered_reports')
    op.drop_table('unanswered_reports')
