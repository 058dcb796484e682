"""usage events: a title counts once per learner session, by a unique constraint

Revision ID: 6d2e3f4a5b6c
Revises: 5c1d2e3f4a5b
Create Date: 2026-12-08 03:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d2e3f4a5b6c'
down_revision = '5c1d2e3f4a5b'
branch_labels = None
depends_on = None


def upgrade():
    # Events from before have no session (NULL): never in conflict, kept as they are.
    with op.batch_alter_table('usage_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_usage_events_session_id_learner_sessions'), 'learner_sessions', ['session_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_usage_events_session_id_book_id'), ['session_id', 'book_id'])


def downgrade():
    with op.batch_alter_table('usage_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_usage_events_session_id_book_id'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_usage_events_session_id_learner_sessions'), type_='foreignkey')
        batch_op.drop_column('session_id')
