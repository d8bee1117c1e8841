"""work queue indexes in page order

The queue's pages read the first rows of an index in the page's order and stop, instead of
sorting every open task of a department (bench/queue_bench.py over one million dossiers).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 13:07:38.868132
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

DUE_ORDER = [sa.text('(due_at IS NULL)'), 'due_at', 'id']
INDEXES = {
    'ix_work_item_assignee_due_order': ['assignee_id', *DUE_ORDER],
    'ix_work_item_action_due_order': ['action', 'assignee_id', *DUE_ORDER],
    'ix_work_item_department_due_order': ['department_id', *DUE_ORDER],
    'ix_work_item_department_created': ['department_id', 'created_at', 'id'],
    'ix_work_item_department_appointment': ['department_id', 'dossier_due_date', 'id'],
    'ix_work_item_department_code': ['department_id', 'dossier_code'],
    'ix_work_item_unclaimed': ['assignee_id', 'role', 'department_id'],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, 'work_item', columns, unique=False)


def downgrade() -> None:
    for name in reversed(INDEXES):
        op.drop_index(name, table_name='work_item')
