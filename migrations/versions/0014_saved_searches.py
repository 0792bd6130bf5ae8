"""Saved searches (tell me when)

A coach, or someone who gives only an email address (confirmed by a link
before anything is sent), keeps a search (saved_searches.params, as the
search takes it); a daily job emails the supporters who newly match it.
saved_search_matches remembers who each saved search has already matched,
so nobody is announced twice.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'saved_searches',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('place', sa.String(length=120), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_alerted_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('(user_id IS NULL) <> (email IS NULL)',
                           name=op.f('ck_saved_searches_one_owner')),
        sa.CheckConstraint('email = lower(email)',
                           name=op.f('ck_saved_searches_email_lower_case')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_saved_searches_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_searches')),
    )
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_searches_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_saved_searches_user_id'), ['user_id'],
                              unique=False)
    op.create_table(
        'saved_search_matches',
        sa.Column('saved_search_id', sa.Integer(), nullable=False),
        sa.Column('supporter_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['saved_search_id'], ['saved_searches.id'],
                                name=op.f('fk_saved_search_matches_saved_search_id_saved_searches'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['supporter_id'], ['supporter_profiles.id'],
                                name=op.f('fk_saved_search_matches_supporter_id_supporter_profiles'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('saved_search_id', 'supporter_id',
                                name=op.f('pk_saved_search_matches')),
    )


def downgrade():
    op.drop_table('saved_search_matches')
    with op.batch_alter_table('saved_searches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_searches_user_id'))
        batch_op.drop_index(batch_op.f('ix_saved_searches_email'))
    op.drop_table('saved_searches')
