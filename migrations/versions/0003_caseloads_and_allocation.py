"""Caseloads, plan history and cohort allocation

Proposed changes to development plans and their version history, comments on
reflective log entries, goal progress with evidence, the reminders sent about
overdue logs and reviews, cohort allocation runs with their proposed pairs, and
a programme label on plans (e.g. "Advanced Coach pilot") that picks a cohort.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 21:09:53.278408

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('allocation_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme', sa.String(length=80), nullable=False),
    sa.Column('role_key', sa.String(length=40), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'published', 'discarded', name='allocation_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('total_score', sa.Float(), nullable=False),
    sa.Column('reruns', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('reruns >= 0', name=op.f('ck_allocation_runs_reruns_not_negative')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_allocation_runs_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_allocation_runs_published_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_runs'))
    )
    op.create_table('caseload_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_key', sa.String(length=60), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['development_plans.id'], name=op.f('fk_caseload_reminders_plan_id_development_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], name=op.f('fk_caseload_reminders_recipient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_caseload_reminders'))
    )
    with op.batch_alter_table('caseload_reminders', schema=None) as batch_op:
        batch_op.create_index('ix_caseload_reminders_item', ['item_key', 'recipient_id', 'sent_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_caseload_reminders_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('proposer_side', sa.Enum('coach', 'supporter', name='plan_side', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('proposed', 'accepted', 'rejected', 'withdrawn', name='plan_change_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=2000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('base_version >= 0', name=op.f('ck_plan_changes_base_version_not_negative')),
    sa.CheckConstraint('length(note) <= 2000', name=op.f('ck_plan_changes_note_length')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_plan_changes_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['development_plans.id'], name=op.f('fk_plan_changes_plan_id_development_plans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_plan_changes_proposed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_changes'))
    )
    with op.batch_alter_table('plan_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_changes_plan_id'), ['plan_id'], unique=False)
        batch_op.create_index('uq_plan_changes_open_per_plan', ['plan_id'], unique=True, sqlite_where=sa.text("status = 'proposed'"), postgresql_where=sa.text("status = 'proposed'"))

    op.create_table('goal_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'in_progress', 'achieved', name='goal_progress_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('evidence_entry_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(note) <= 2000', name=op.f('ck_goal_progress_note_length')),
    sa.ForeignKeyConstraint(['evidence_entry_id'], ['reflective_log_entries.id'], name=op.f('fk_goal_progress_evidence_entry_id_reflective_log_entries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['goal_id'], ['plan_goals.id'], name=op.f('fk_goal_progress_goal_id_plan_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_goal_progress_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_progress'))
    )
    with op.batch_alter_table('goal_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_progress_goal_id'), ['goal_id'], unique=False)

    op.create_table('log_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(body) <= 4000', name=op.f('ck_log_comments_body_length')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_log_comments_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['reflective_log_entries.id'], name=op.f('fk_log_comments_entry_id_reflective_log_entries'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_log_comments'))
    )
    with op.batch_alter_table('log_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_log_comments_entry_id'), ['entry_id'], unique=False)

    op.create_table('plan_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('change_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('number >= 1', name=op.f('ck_plan_versions_number_positive')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_plan_versions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['change_id'], ['plan_changes.id'], name=op.f('fk_plan_versions_change_id_plan_changes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['development_plans.id'], name=op.f('fk_plan_versions_plan_id_development_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_versions')),
    sa.UniqueConstraint('plan_id', 'number', name='uq_plan_versions_plan_number')
    )
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_versions_plan_id'), ['plan_id'], unique=False)

    op.create_table('allocation_placements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('coach_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('supporter_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('unplaced_reason', sa.String(length=300), nullable=True),
    sa.Column('locked', sa.Boolean(), nullable=False),
    sa.Column('engagement_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('supporter_id IS NOT NULL OR locked = false', name=op.f('ck_allocation_placements_locked_has_pair')),
    sa.ForeignKeyConstraint(['coach_id'], ['users.id'], name=op.f('fk_allocation_placements_coach_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['engagement_id'], ['engagements.id'], name=op.f('fk_allocation_placements_engagement_id_engagements'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['development_plans.id'], name=op.f('fk_allocation_placements_plan_id_development_plans'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['allocation_runs.id'], name=op.f('fk_allocation_placements_run_id_allocation_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['supporter_id'], ['supporter_profiles.id'], name=op.f('fk_allocation_placements_supporter_id_supporter_profiles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation_placements')),
    sa.UniqueConstraint('run_id', 'coach_id', name='uq_allocation_placements_run_coach')
    )
    with op.batch_alter_table('allocation_placements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_placements_run_id'), ['run_id'], unique=False)

    with op.batch_alter_table('development_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme', sa.String(length=80), nullable=True))
        batch_op.create_index(batch_op.f('ix_development_plans_programme'), ['programme'], unique=False)



def downgrade():
    with op.batch_alter_table('development_plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_development_plans_programme'))
        batch_op.drop_column('programme')

    with op.batch_alter_table('allocation_placements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_placements_run_id'))

    op.drop_table('allocation_placements')
    with op.batch_alter_table('plan_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_versions_plan_id'))

    op.drop_table('plan_versions')
    with op.batch_alter_table('log_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_log_comments_entry_id'))

    op.drop_table('log_comments')
    with op.batch_alter_table('goal_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_progress_goal_id'))

    op.drop_table('goal_progress')
    with op.batch_alter_table('plan_changes', schema=None) as batch_op:
        batch_op.drop_index('uq_plan_changes_open_per_plan', sqlite_where=sa.text("status = 'proposed'"), postgresql_where=sa.text("status = 'proposed'"))
        batch_op.drop_index(batch_op.f('ix_plan_changes_plan_id'))

    op.drop_table('plan_changes')
    with op.batch_alter_table('caseload_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_caseload_reminders_plan_id'))
        batch_op.drop_index('ix_caseload_reminders_item')

    op.drop_table('caseload_reminders')
    op.drop_table('allocation_runs')
