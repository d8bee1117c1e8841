"""Database triggers that refuse UPDATE and DELETE on the audit trail (SQLite and PostgreSQL).

They are attached to the table's creation (so `create_all` in tests has them) and created by
the Alembic migration for existing databases. Someone with the rights to drop a trigger can
still alter rows; `engine.audit_verify` then finds the break in the hash chain.
"""
from __future__ import annotations

from sqlalchemy import DDL, event

from .models import AuditEvent

MESSAGE = "audit events are append-only"

SQLITE = [
    f"CREATE TRIGGER IF NOT EXISTS audit_event_no_{op.lower()} BEFORE {op} ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    for op in ("UPDATE", "DELETE")
]
POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
]
DROP = {
    "sqlite": ["DROP TRIGGER IF EXISTS audit_event_no_update",
               "DROP TRIGGER IF EXISTS audit_event_no_delete"],
    "postgresql": ["DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
                   "DROP FUNCTION IF EXISTS audit_event_append_only()"],
}


def statements(dialect: str) -> list[str]:
    return {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(dialect, [])


for _sql in SQLITE:
    event.listen(AuditEvent.__table__, "after_create", DDL(_sql).execute_if(dialect="sqlite"))
for _sql in POSTGRESQL:
    event.listen(AuditEvent.__table__, "after_create",
                 DDL(_sql.replace("%", "%%")).execute_if(dialect="postgresql"))
