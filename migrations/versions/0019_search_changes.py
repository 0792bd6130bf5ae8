"""Log which supporters each data version changed, so workers update their index in place

The triggers of 0007 only bumped data_version, so every worker rebuilt its
whole search index for any write: 100,000 supporters for one place taken.
Now the triggers on the supporter tables also write the supporters they touched
to search_changes, under the version they bumped to, and a worker applies just
those. A change to the taxonomy or the weights logs a row naming nobody: rebuild.

Each transaction's first bump locks the data_version row until it commits, so
versions are given out in commit order: once a worker reads version V, every
change up to V is committed and in the log.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 21:50:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

# Supporter tables: (column naming whom the row is about, the log's column).
LOGGED = {
    'supporter_profiles': ('id', 'supporter_id'),
    'supporter_roles': ('supporter_id', 'supporter_id'),
    'supporter_event_groups': ('supporter_id', 'supporter_id'),
    'supporter_expertise': ('supporter_id', 'supporter_id'),
    'engagements': ('supporter_id', 'supporter_id'),
}
# Users: only the columns search reads, and only a supporter's user matters.
USER_COLUMNS = ('display_name', 'active', 'deleted_at')
# Everything else search reads: any change rebuilds the index.
WHOLE = ('support_roles', 'event_groups', 'event_group_relations', 'needs', 'qualifications',
         'qualification_frameworks', 'ranking_weights')

BUMP = 'UPDATE data_version SET version = version + 1 WHERE id = 1'


def upgrade():
    op.create_table(
        'search_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('supporter_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False,
                  server_default=sa.func.now()),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_changes')),
    )
    op.create_index('ix_search_changes_version', 'search_changes', ['version'])
    op.create_index('ix_search_changes_created_at', 'search_changes', ['created_at'])
    if op.get_bind().dialect.name == 'postgresql':
        _postgresql_upgrade()
    else:
        _sqlite_upgrade()


def _postgresql_upgrade():
    # Once per statement, with the statement's rows: a bulk import bumps once.
    op.execute("""
        CREATE FUNCTION log_search_change() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            v integer;
            touched boolean := true;
        BEGIN
            -- A statement that touched no row (an UPDATE matching nothing) changes nothing.
            IF TG_NARGS > 0 THEN
                EXECUTE CASE WHEN TG_OP = 'DELETE' THEN 'SELECT EXISTS (SELECT FROM old_rows)'
                             ELSE 'SELECT EXISTS (SELECT FROM new_rows)' END INTO touched;
            END IF;
            IF NOT touched THEN
                RETURN NULL;
            END IF;
            UPDATE data_version SET version = version + 1, updated_at = now() WHERE id = 1
                RETURNING version INTO v;
            IF TG_NARGS = 0 THEN
                INSERT INTO search_changes (version) VALUES (v);
                RETURN NULL;
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                EXECUTE format('INSERT INTO search_changes (version, %I) '
                               'SELECT DISTINCT $1, %I FROM new_rows', TG_ARGV[1], TG_ARGV[0])
                    USING v;
            END IF;
            IF TG_OP IN ('DELETE', 'UPDATE') THEN
                EXECUTE format('INSERT INTO search_changes (version, %I) '
                               'SELECT DISTINCT $1, %I FROM old_rows', TG_ARGV[1], TG_ARGV[0])
                    USING v;
            END IF;
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE FUNCTION log_search_user_change() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            v integer;
        BEGIN
            UPDATE data_version SET version = version + 1, updated_at = now() WHERE id = 1
                RETURNING version INTO v;
            INSERT INTO search_changes (version, user_id)
                VALUES (v, CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END);
            RETURN NULL;
        END $$""")
    for table, (source, target) in LOGGED.items():
        op.execute(f"DROP TRIGGER {table}_data_version ON {table}")
        for event, tables in (('INSERT', 'NEW TABLE AS new_rows'),
                              ('UPDATE', 'OLD TABLE AS old_rows NEW TABLE AS new_rows'),
                              ('DELETE', 'OLD TABLE AS old_rows')):
            op.execute(f"CREATE TRIGGER {table}_data_version_{event.lower()} AFTER {event} "
                       f"ON {table} REFERENCING {tables} FOR EACH STATEMENT "
                       f"EXECUTE FUNCTION log_search_change('{source}', '{target}')")
    op.execute("DROP TRIGGER users_data_version ON users")
    op.execute(f"CREATE TRIGGER users_data_version_update AFTER UPDATE OF "
               f"{', '.join(USER_COLUMNS)} ON users FOR EACH ROW "
               f"EXECUTE FUNCTION log_search_user_change()")
    op.execute("CREATE TRIGGER users_data_version_delete AFTER DELETE ON users FOR EACH ROW "
               "EXECUTE FUNCTION log_search_user_change()")
    for table in WHOLE:
        op.execute(f"DROP TRIGGER {table}_data_version ON {table}")
        op.execute(f"CREATE TRIGGER {table}_data_version AFTER INSERT OR DELETE OR UPDATE "
                   f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION log_search_change()")


def _sqlite_upgrade():
    # SQLite has one writer at a time, and its triggers run for each row.
    def log(column, value):
        return (f"INSERT INTO search_changes (version, {column}) "
                f"SELECT version, {value} FROM data_version WHERE id = 1")

    for table, (source, target) in LOGGED.items():
        for event in ('insert', 'update', 'delete'):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_data_version_{event}")
        op.execute(f"CREATE TRIGGER {table}_data_version_insert AFTER INSERT ON {table} "
                   f"BEGIN {BUMP}; {log(target, 'NEW.' + source)}; END")
        op.execute(f"CREATE TRIGGER {table}_data_version_update AFTER UPDATE ON {table} "
                   f"BEGIN {BUMP}; {log(target, 'NEW.' + source)}; "
                   f"{log(target, 'OLD.' + source)} AND OLD.{source} IS NOT NEW.{source}; END")
        op.execute(f"CREATE TRIGGER {table}_data_version_delete AFTER DELETE ON {table} "
                   f"BEGIN {BUMP}; {log(target, 'OLD.' + source)}; END")
    for event in ('insert', 'update', 'delete'):
        op.execute(f"DROP TRIGGER IF EXISTS users_data_version_{event}")
    op.execute(f"CREATE TRIGGER users_data_version_update AFTER UPDATE OF "
               f"{', '.join(USER_COLUMNS)} ON users "
               f"BEGIN {BUMP}; {log('user_id', 'NEW.id')}; END")
    op.execute(f"CREATE TRIGGER users_data_version_delete AFTER DELETE ON users "
               f"BEGIN {BUMP}; {log('user_id', 'OLD.id')}; END")
    for table in WHOLE:
        for event in ('insert', 'update', 'delete'):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_data_version_{event}")
            op.execute(f"CREATE TRIGGER {table}_data_version_{event} AFTER {event.upper()} "
                       f"ON {table} BEGIN {BUMP}; {log('supporter_id', 'NULL')}; END")


def downgrade():
    # Back to 0007's triggers: bump the version, log nothing.
    import importlib.util
    from pathlib import Path

    path = Path(__file__).with_name('0007_data_version_triggers.py')
    spec = importlib.util.spec_from_file_location('data_version_triggers_0007', path)
    triggers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(triggers)
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for table in (*LOGGED, 'users', *WHOLE):
        if postgresql:
            for suffix in ('', '_insert', '_update', '_delete'):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_data_version{suffix} ON {table}")
        else:
            for event in ('insert', 'update', 'delete'):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_data_version_{event}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS log_search_change()")
        op.execute("DROP FUNCTION IF EXISTS log_search_user_change()")
        op.execute("DROP FUNCTION IF EXISTS bump_data_version()")
    triggers.upgrade()
    op.drop_index('ix_search_changes_created_at', table_name='search_changes')
    op.drop_index('ix_search_changes_version', table_name='search_changes')
    op.drop_table('search_changes')
