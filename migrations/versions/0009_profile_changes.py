"""Supporter profile changes kept apart from the verified version

The supporter profile's columns become the last verified version, which stays
public while a change waits for an admin. Profiles waiting today become open
changes; the name coaches see is kept on the profile as verified.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

STATUSES = ('pending', 'changes_requested', 'approved', 'rejected', 'withdrawn')


def upgrade():
    op.create_table(
        'profile_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('profile_id', sa.Integer(), nullable=False),
        sa.Column('status', sa.Enum(*STATUSES, name='profile_change_status', native_enum=False,
                                    create_constraint=True, length=20), nullable=False),
        sa.Column('new', sa.Boolean(), nullable=False),
        sa.Column('proposed', sa.JSON(), nullable=False),
        sa.Column('replaced', sa.JSON(), nullable=False),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('length(message) <= 2000',
                           name=op.f('ck_profile_changes_message_length')),
        sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                                name=op.f('fk_profile_changes_decided_by_id_users'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['profile_id'], ['supporter_profiles.id'],
                                name=op.f('fk_profile_changes_profile_id_supporter_profiles'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_changes')),
    )
    with op.batch_alter_table('profile_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_changes_profile_id'), ['profile_id'],
                              unique=False)
    op.add_column('supporter_profiles',
                  sa.Column('public_name', sa.String(length=120), nullable=True))

    op.execute("""
        UPDATE supporter_profiles SET public_name = (
            SELECT display_name FROM users WHERE users.id = supporter_profiles.user_id)
        WHERE verified_at IS NOT NULL""")
    op.execute("""
        INSERT INTO profile_changes (profile_id, status, new, proposed, replaced, submitted_at,
                                     message, created_at)
        SELECT id, 'pending', true, '{}', '{}', submitted_at, '', submitted_at
        FROM supporter_profiles WHERE verified_at IS NULL AND submitted_at IS NOT NULL""")
    # Plain ALTER (SQLite 3.35+ drops a column in place): batch mode would copy
    # the table and lose the data_version triggers search relies on.
    op.execute('ALTER TABLE supporter_profiles DROP COLUMN submitted_at')


def downgrade():
    op.add_column('supporter_profiles',
                  sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("""
        UPDATE supporter_profiles SET submitted_at = (
            SELECT max(submitted_at) FROM profile_changes
            WHERE profile_changes.profile_id = supporter_profiles.id
              AND profile_changes.status = 'pending')""")
    op.execute('ALTER TABLE supporter_profiles DROP COLUMN public_name')
    with op.batch_alter_table('profile_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_changes_profile_id'))
    op.drop_table('profile_changes')
