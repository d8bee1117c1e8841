"""work queue indexes in page order; period report indexes

The queue's pages read the first rows of an index in the page's order and stop, instead of
sorting every open task of a department; claimed and unclaimed tasks are indexed apart (the
two indexes of 0001 they replace led with assignee_id, whose NULLs skew the statistics).
The period reports read the dossier columns they count from one covering index, and a
period's pauses and ratings by their time (bench/queue_bench.py and
bench/statistics_bench.py over one million dossiers).

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


def _where(condition: str) -> dict:
    return {'sqlite_where': sa.text(condition), 'postgresql_where': sa.text(condition)}


INDEXES = {  # name: (table, columns, options)
    'ix_work_item_assignee_due_order': ('work_item', ['assignee_id', *DUE_ORDER],
                                        _where('assignee_id IS NOT NULL')),
    'ix_work_item_unclaimed_due_order': ('work_item', [*DUE_ORDER, 'role', 'department_id',
                                                       'assignee_id'],
                                         _where('assignee_id IS NULL')),
    'ix_work_item_unclaimed_action': ('work_item', ['action', *DUE_ORDER],
                                      _where('assignee_id IS NULL')),
    'ix_work_item_department_due_order': ('work_item', ['department_id', *DUE_ORDER], {}),
    'ix_work_item_department_created': ('work_item', ['department_id', 'created_at', 'id'], {}),
    'ix_work_item_department_appointment': ('work_item',
                                            ['department_id', 'dossier_due_date', 'id'], {}),
    'ix_work_item_department_code': ('work_item', ['department_id', 'dossier_code'], {}),
    'ix_dossier_period': ('dossier', ['procedure_id', 'finished_at', 'received_at', 'status',
                                      'outcome', 'decision', 'channel', 'due_date'], {}),
    'ix_dossier_receipts': ('dossier', ['received_at', 'received_by_id'], {}),
    'ix_dossier_pause_requested': ('dossier_pause', ['requested_at', 'dossier_id'], {}),
    'ix_rating_rated': ('rating', ['rated_at', 'dossier_id', 'level'], {}),
}
REPLACED = {  # the queue indexes of 0001
    'ix_work_item_assignee': ['assignee_id', 'due_at'],
    'ix_work_item_queue': ['role', 'department_id', 'assignee_id', 'due_at'],
}


def upgrade() -> None:
    for name in REPLACED:
        op.drop_index(name, table_name='work_item')
    for name, (table, columns, options) in INDEXES.items():
        op.create_index(name, table, columns, unique=False, **options)


def downgrade() -> None:
    for name, (table, _columns, _options) in reversed(INDEXES.items()):
        op.drop_index(name, table_name=table)
    for name, columns in REPLACED.items():
        op.create_index(name, 'work_item', columns, unique=False)
