"""Search demand log

Searches counted by day, postcode district or ZIP3 area and what was asked
for, with how many found someone: the coverage map of unmet demand. Nothing
about who searched.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 15:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_demand',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('period', sa.Enum('day', 'month', name='demand_period', native_enum=False,
                                    create_constraint=True, length=20), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('area', sa.String(length=8), nullable=False),
        sa.Column('roles', sa.String(length=400), nullable=False),
        sa.Column('event_groups', sa.String(length=400), nullable=False),
        sa.Column('needs', sa.String(length=1000), nullable=False),
        sa.Column('mode', sa.String(length=10), nullable=False),
        sa.Column('source', sa.Enum('site', 'api', 'widget', name='demand_source',
                                    native_enum=False, create_constraint=True, length=20),
                  nullable=False),
        sa.Column('widget_key_id', sa.Integer(), nullable=True),
        sa.Column('traffic', sa.Enum('person', 'limited', 'bot', name='demand_traffic',
                                     native_enum=False, create_constraint=True, length=20),
                  nullable=False),
        sa.Column('searches', sa.Integer(), nullable=False),
        sa.Column('met_in_person', sa.Integer(), nullable=False),
        sa.Column('met_online', sa.Integer(), nullable=False),
        sa.Column('requests', sa.Integer(), nullable=False),
        sa.CheckConstraint('searches >= 0 AND met_in_person >= 0 AND met_online >= 0 '
                           'AND requests >= 0', name=op.f('ck_search_demand_counts_not_negative')),
        sa.ForeignKeyConstraint(['widget_key_id'], ['widget_keys.id'],
                                name=op.f('fk_search_demand_widget_key_id_widget_keys'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_demand')),
        sa.UniqueConstraint('period', 'day', 'key', name=op.f('uq_search_demand_period')),
    )
    with op.batch_alter_table('search_demand', schema=None) as batch_op:
        batch_op.create_index('ix_search_demand_day_area', ['day', 'country', 'area'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('search_demand', schema=None) as batch_op:
        batch_op.drop_index('ix_search_demand_day_area')
    op.drop_table('search_demand')
