"""The head's department tab in a real Chromium: one list of the department's officers for the
page, each row's Reassign button posting it for that row's task; the script offers a row's
button only to an officer who may take the step."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bpmn.vocabulary import ROLES
from tests.conftest import T0
from tests.engine.helpers import advance, hours
from tests.engine.helpers import receive as receive_at

from .conftest import CHROMIUM
from .flows import queue_row

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"{CHROMIUM} is absent: install Debian's chromium to run these"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),  # SQLite file only
]


def officer(name: str, role: str) -> str:
    return f"{name} ({ROLES[role][0]})"


def test_head_reassigns_a_task_from_the_department_tab(login_as, library):
    code = receive_at(library, T0, name="Công ty TNHH Giao Lại")
    advance(library, code, "officer", "handed_over", T0 + hours(1))
    head = login_as("head")
    head.goto("/officer/queue?tab=department")
    button = queue_row(head, code).get_by_test_id("reassign")
    choice = head.locator("#reassign-to")

    # nobody chosen yet: the browser asks for an officer instead of posting
    button.click()
    assert choice.evaluate("select => select.validity.valueMissing")
    expect(head.locator(".flash")).to_have_count(0)

    choice.select_option(label=officer("Head", "head"))  # the step is a specialist's
    expect(button).to_be_disabled()
    choice.select_option(label=officer("Specialist2", "specialist"))
    expect(button).to_be_enabled()
    button.click()
    expect(head.locator(".flash.success")).to_contain_text(code)
    row = queue_row(head, code)
    expect(row.get_by_test_id("handler")).to_have_text("Specialist2")
    # the officer who holds the task is not offered it again
    head.locator("#reassign-to").select_option(label=officer("Specialist2", "specialist"))
    expect(row.get_by_test_id("reassign")).to_be_disabled()
    head.locator("#reassign-to").select_option(label=officer("Specialist", "specialist"))
    expect(row.get_by_test_id("reassign")).to_be_enabled()
