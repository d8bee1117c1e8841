"""audit trail: triggers refusing UPDATE and DELETE on audit_event

Revision ID: 0003
Revises: 0002
"""
from alembic import op

from engine.audit_guard import DROP, statements

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for sql in statements(op.get_bind().dialect.name):
        op.execute(sql)


def downgrade() -> None:
    for sql in DROP.get(op.get_bind().dialect.name, []):
        op.execute(sql)
