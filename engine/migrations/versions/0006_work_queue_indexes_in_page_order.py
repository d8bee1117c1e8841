"""work queue indexes in page order; period report indexes

The queue's pages read the first rows of an index in the page's order and stop, instead of
sorting every open task of a department; the period reports read the dossier columns they
count from one covering index, and a period's pauses and ratings by their time
(bench/queue_bench.py and bench/statistics_bench.py over one million dossiers).

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
OTHER_INDEXES = {  # name: (table, columns)
    'ix_dossier_period': ('dossier', ['procedure_id', 'finished_at', 'received_at', 'status',
                                      'outcome', 'decision', 'channel', 'due_date']),
    'ix_dossier_receipts': ('dossier', ['received_at', 'received_by_id']),
    'ix_dossier_pause_requested': ('dossier_pause', ['requested_at', 'dossier_id']),
    'ix_rating_rated': ('rating', ['rated_at', 'dossier_id', 'level']),
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, 'work_item', columns, unique=False)
    for name, (table, columns) in OTHER_INDEXES.items():
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, (table, _columns) in reversed(OTHER_INDEXES.items()):
        op.drop_index(name, table_name=table)
    for name in reversed(INDEXES):
        op.drop_index(name, table_name='work_item')
