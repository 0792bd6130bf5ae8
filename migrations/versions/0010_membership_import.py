"""Membership numbers and licence-list import

Members are matched by the governing body's membership number; supporters keep
when their safeguarding check was done and under which scheme; an uploaded
licence list is kept between its dry run and applying it.

Columns are added in place (no table rebuild on SQLite), so the search
data-version triggers on users and supporter_profiles stay as they are.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('membership_number', sa.String(length=40), nullable=True))
    op.create_index(op.f('ix_users_membership_number'), 'users', ['membership_number'],
                    unique=True)
    op.add_column('supporter_profiles',
                  sa.Column('safeguarding_checked_on', sa.Date(), nullable=True))
    op.add_column('supporter_profiles',
                  sa.Column('safeguarding_scheme', sa.String(length=40), nullable=True))
    op.create_table(
        'licence_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('admin_id', sa.Integer(), nullable=True),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('content_sha256', sa.String(length=64), nullable=False),
        sa.Column('status', sa.Enum('previewed', 'applied', name='licence_import_status',
                                    native_enum=False, create_constraint=True, length=20),
                  nullable=False),
        sa.Column('counts', sa.JSON(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=False),
        sa.Column('plan_sha256', sa.String(length=64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['admin_id'], ['users.id'],
                                name=op.f('fk_licence_imports_admin_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_licence_imports')),
        sa.UniqueConstraint('token', name=op.f('uq_licence_imports_token')),
    )
    op.create_index(op.f('ix_licence_imports_admin_id'), 'licence_imports', ['admin_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_licence_imports_admin_id'), table_name='licence_imports')
    op.drop_table('licence_imports')
    _drop_column('supporter_profiles', 'safeguarding_scheme')
    _drop_column('supporter_profiles', 'safeguarding_checked_on')
    op.drop_index(op.f('ix_users_membership_number'), table_name='users')
    _drop_column('users', 'membership_number')


def _drop_column(table, column):
    """Drop a column in place: a batch rebuild on SQLite would lose the table's triggers."""
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')  # SQLite 3.35+
    else:
        op.drop_column(table, column)
