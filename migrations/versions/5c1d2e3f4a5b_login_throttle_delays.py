"""login throttles: growing delays instead of a lock, rows that expire

Revision ID: 5c1d2e3f4a5b
Revises: 0e25027eb07a
Create Date: 2026-12-08 03:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c1d2e3f4a5b'
down_revision = '0e25027eb07a'
branch_labels = None
depends_on = None


def upgrade():
    # Counts of failed logins only: nothing is lost by starting them again.
    op.execute("DELETE FROM login_throttles")
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_failure_at', sa.DateTime(), nullable=False))
        batch_op.add_column(sa.Column('retry_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_login_throttles_last_failure_at'), ['last_failure_at'], unique=False)
        batch_op.drop_column('locked_until')
        batch_op.drop_column('window_started_at')


def downgrade():
    op.execute("DELETE FROM login_throttles")
    with op.batch_alter_table('login_throttles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('window_started_at', sa.DateTime(), nullable=False))
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(), nullable=True))
        batch_op.drop_index(batch_op.f('ix_login_throttles_last_failure_at'))
        batch_op.drop_column('retry_at')
        batch_op.drop_column('last_failure_at')
