"""The logged-in user is read at every request in one statement with its department and
roles (web/security.py `user_by_id`, shared with the API's token check), never cached: a
deactivation ends the session at the next request."""
from __future__ import annotations

from sqlalchemy import event, select

from engine.models import User

from .conftest import login


def test_one_statement_reads_the_user_and_its_roles_at_each_request(app, client, library):
    assert login(client, "specialist").status_code == 302
    assert client.get("/officer/queue").status_code == 200
    statements: list[str] = []
    event.listen(app.extensions["motcua.engine"], "before_cursor_execute",
                 lambda conn, cursor, statement, *args: statements.append(statement))
    assert client.get("/officer/queue").status_code == 200
    user_reads = [s for s in statements if "user_role" in s or "FROM user_account" in s]
    assert len(user_reads) == 1 and "user_role" in user_reads[0], user_reads
    with library.begin() as session:
        session.execute(select(User).where(User.username == "specialist")).scalar_one(
        ).active = False
    assert client.get("/officer/queue").status_code == 302  # back to the login page
