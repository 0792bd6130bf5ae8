"""Waitlists

Coaches queue, in order, for a place with a full supporter (waitlist_places);
a request may ask to be withdrawn when another supporter accepts the coach for
the same role (support_requests.withdraw_others_on_accept).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

IN_LINE = "status IN ('waiting', 'offered')"


def upgrade():
    op.create_table(
        'waitlist_places',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('coach_id', sa.Integer(), nullable=False),
        sa.Column('supporter_id', sa.Integer(), nullable=False),
        sa.Column('role_id', sa.Integer(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('status', sa.Enum('waiting', 'offered', 'requested', 'lapsed', 'left',
                                    'closed', name='waitlist_status', native_enum=False,
                                    create_constraint=True, length=20), nullable=False),
        sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('offered_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('hold_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('length(note) <= 500', name=op.f('ck_waitlist_places_note_length')),
        sa.ForeignKeyConstraint(['coach_id'], ['users.id'],
                                name=op.f('fk_waitlist_places_coach_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['role_id'], ['support_roles.id'],
                                name=op.f('fk_waitlist_places_role_id_support_roles')),
        sa.ForeignKeyConstraint(['supporter_id'], ['supporter_profiles.id'],
                                name=op.f('fk_waitlist_places_supporter_id_supporter_profiles'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_waitlist_places')),
    )
    with op.batch_alter_table('waitlist_places', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_waitlist_places_coach_id'), ['coach_id'],
                              unique=False)
        batch_op.create_index('ix_waitlist_places_supporter_status',
                              ['supporter_id', 'status'], unique=False)
        batch_op.create_index('uq_waitlist_places_in_line',
                              ['coach_id', 'supporter_id', 'role_id'], unique=True,
                              sqlite_where=sa.text(IN_LINE), postgresql_where=sa.text(IN_LINE))
    # A plain ADD COLUMN on both backends: the table (and its triggers) stays as it is.
    op.add_column('support_requests',
                  sa.Column('withdraw_others_on_accept', sa.Boolean(), nullable=False,
                            server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('support_requests', schema=None) as batch_op:
        batch_op.drop_column('withdraw_others_on_accept')
    with op.batch_alter_table('waitlist_places', schema=None) as batch_op:
        batch_op.drop_index('uq_waitlist_places_in_line')
        batch_op.drop_index('ix_waitlist_places_supporter_status')
        batch_op.drop_index(batch_op.f('ix_waitlist_places_coach_id'))
    op.drop_table('waitlist_places')
