"""An index for the coverage map over search demand

Every column the coverage map reads, in area order, so a year of counts is
summed as it is read (SQLite) or by an index-only scan (PostgreSQL).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 16:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

COLUMNS = ['country', 'area', 'traffic', 'mode', 'day', 'period', 'searches', 'met_in_person',
           'met_online', 'requests', 'roles', 'event_groups', 'source', 'widget_key_id']


def upgrade():
    op.create_index('ix_search_demand_coverage', 'search_demand', COLUMNS, unique=False)


def downgrade():
    op.drop_index('ix_search_demand_coverage', table_name='search_demand')
