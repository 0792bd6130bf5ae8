"""Ranking weights preview samples

Admins try new ranking weights on sample searches before saving them: the
searches they keep (weight_sample_searches) and the popular ones, counted per
day by their coarse parameters (daily_search_counts: an outward code, ZIP or
town, never a postcode, and nothing about who searched).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 12:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'weight_sample_searches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_weight_sample_searches_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_weight_sample_searches')),
    )
    op.create_table(
        'daily_search_counts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('params', sa.Text(), nullable=False),
        sa.Column('searches', sa.Integer(), nullable=False),
        sa.CheckConstraint('searches > 0',
                           name=op.f('ck_daily_search_counts_searches_positive')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_daily_search_counts')),
        sa.UniqueConstraint('day', 'key', name=op.f('uq_daily_search_counts_day')),
    )
    with op.batch_alter_table('daily_search_counts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_daily_search_counts_day'), ['day'], unique=False)


def downgrade():
    with op.batch_alter_table('daily_search_counts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_daily_search_counts_day'))
    op.drop_table('daily_search_counts')
    op.drop_table('weight_sample_searches')
