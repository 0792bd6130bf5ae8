"""Search data version kept by the database itself, with triggers

Every worker's search index follows data_version. The app used to bump it on
its own writes only, so an expiry written straight into the database (a
nightly job, psql) stayed in search until midnight. Triggers on every table
search reads bump it whatever writes: the app, a job, a person at a prompt.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 11:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# The tables search is built from, and (for users) the columns it reads.
WATCHED = {
    'supporter_profiles': None,
    'supporter_roles': None,
    'supporter_event_groups': None,
    'supporter_expertise': None,
    'users': ('display_name', 'active', 'deleted_at'),
    'engagements': None,
    'support_roles': None,
    'event_groups': None,
    'event_group_relations': None,
    'needs': None,
    'qualifications': None,
    'qualification_frameworks': None,
    'ranking_weights': None,
}
BUMP = 'UPDATE data_version SET version = version + 1 WHERE id = 1'


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"""
            CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE data_version SET version = version + 1, updated_at = now() WHERE id = 1;
                RETURN NULL;
            END $$""")
        for table, columns in WATCHED.items():
            update = f"UPDATE OF {', '.join(columns)}" if columns else 'UPDATE'
            # Once per statement: a bulk import bumps the version once.
            op.execute(f"CREATE TRIGGER {table}_data_version AFTER INSERT OR DELETE OR {update} "
                       f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version()")
        return
    # SQLite: triggers run for each row, one per kind of change.
    for table, columns in WATCHED.items():
        for event in ('INSERT', 'DELETE', 'UPDATE'):
            when = f"UPDATE OF {', '.join(columns)}" if columns and event == 'UPDATE' else event
            op.execute(f"CREATE TRIGGER {table}_data_version_{event.lower()} AFTER {when} "
                       f"ON {table} BEGIN {BUMP}; END")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_data_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_data_version()")
        return
    for table in WATCHED:
        for event in ('insert', 'delete', 'update'):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_data_version_{event}")
