"""Schemathesis against the OpenAPI document, in-process through WSGI: every operation gets
generated requests (valid and invalid by the schema) from a caller holding every role, so they
reach the handlers; no answer may be a server error, and every answer must match the document
(status documented, content type, body schema), invalid requests must be refused. Valid ones
may still be refused (422) by rules a schema cannot say (a period ending before it starts,
an outcome the step does not offer), so that one check is left out. Bounded: EXAMPLES per
operation and generation mode."""
from __future__ import annotations

import os
import re
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from schemathesis.core.failures import FailureGroup
from sqlalchemy import select

from bpmn.vocabulary import ROLES
from engine.models import User
from engine.services.users import create_user
from tests.conftest import PASSWORD, T0
from tests.engine.helpers import advance, hours, open_item
from tests.engine.helpers import receive as receive_dossier
from web import create_app
from web.api.auth import issue_token

EXAMPLES = int(os.environ.get("MOTCUA_SCHEMATHESIS_EXAMPLES", "25"))


@pytest.fixture
def fuzz_app(db_url, library):
    """The app as in production: an unexpected exception is a 500 answer, not a test error."""
    app = create_app({"DATABASE_URL": db_url, "SECRET_KEY": "test", "TESTING": False,
                      "PROPAGATE_EXCEPTIONS": False})
    yield app
    app.extensions["motcua.engine"].dispose()


@pytest.fixture
def world(fuzz_app, library) -> dict:
    """A user holding every role (its token), and real dossiers, tasks and a procedure for a
    third pass whose path parameters name them, so the handlers run past their lookups."""
    with library.begin() as session:
        create_user(session, None, T0, username="everyone", full_name="Every Role",
                    password=PASSWORD, roles=list(ROLES), department_code="dau_tu")
    codes = [receive_dossier(library, T0, name=f"Công ty {n}") for n in range(3)]
    for code in codes[1:]:
        advance(library, code, "officer", "handed_over", T0 + hours(1))
    with library() as session:
        user = session.execute(select(User).where(User.username == "everyone")).scalar_one()
        item = open_item(session, codes[1]).id
        with fuzz_app.app_context():
            token = issue_token(user, T0)[0]
    return {"token": token, "path": {"code": codes[1], "item_id": item,
                                     "procedure": "BQL.DT.01"}}


def real_procedure(case):
    """A receipt for a procedure that exists, whatever else the body holds."""
    if isinstance(case.body, dict):
        case.body["procedure_code"] = "BQL.DT.01"
    return case


def passes(operation, real: dict):
    """(name, strategy) of each pass over one operation: valid and invalid requests with
    generated path parameters, then valid ones on real objects."""
    auth = {"Authorization": f"Bearer {real['token']}"}
    names = re.findall(r"{(\w+)}", operation.path)
    yield "positive", operation.as_strategy(GenerationMode.POSITIVE, headers=auth)
    yield "negative", operation.as_strategy(GenerationMode.NEGATIVE, headers=auth)
    if names:
        yield "real", operation.as_strategy(GenerationMode.POSITIVE, headers=auth,
                                            path_parameters={n: real["path"][n] for n in names})
    elif operation.label == "POST /api/v1/dossiers":
        yield "real", operation.as_strategy(GenerationMode.POSITIVE, headers=auth).map(
            real_procedure)


class Tally:
    """What the generated requests met: examples and statuses by operation, failures."""

    def __init__(self):
        self.examples: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.by_operation: dict[str, Counter[int]] = {}
        self.failures: list[str] = []
        self.unsatisfiable: list[str] = []


def fuzz(operation, name: str, strategy, tally: Tally) -> None:
    """Send EXAMPLES generated requests of one pass and check each answer."""
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        tally.examples[operation.label] += 1
        response = case.call()
        tally.statuses[response.status_code] += 1
        tally.by_operation.setdefault(operation.label, Counter())[response.status_code] += 1
        try:
            case.validate_response(response, excluded_checks=[positive_data_acceptance])
        except FailureGroup as group:  # collected, all reported at the end
            tally.failures.extend(
                f"{operation.label} [{name}] {response.status_code}: {type(f).__name__}: "
                f"{str(f)[:500]} {case.path_parameters} {case.query} {str(case.body)[:200]}"
                for f in group.exceptions)
    try:
        run()
    except Unsatisfiable:  # nothing of this operation can be made invalid
        assert name == "negative", operation.label
        tally.unsatisfiable.append(operation.label)


def test_schemathesis_finds_no_server_error_and_no_mismatch(fuzz_app, world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    tally = Tally()
    for operation in operations:
        for name, strategy in passes(operation, world):
            fuzz(operation, name, strategy, tally)

    statuses = tally.statuses
    print(f"\nschemathesis: {len(operations)} operations, {sum(tally.examples.values())} "
          f"examples, {len(tally.failures)} failures; statuses {dict(sorted(statuses.items()))}; "
          f"no invalid request possible for {tally.unsatisfiable}")
    for label, counts in sorted(tally.by_operation.items()):
        print(f"  {label}: {dict(sorted(counts.items()))}")
    assert not [s for s in statuses if s >= 500], tally.failures
    assert tally.failures == [], "\n".join(tally.failures)
    # every operation of the document but the document itself, each reached with a token
    assert len(operations) >= 14 and all(tally.examples[o.label] for o in operations)
    assert sum(statuses[s] for s in (200, 201)) > len(operations)
