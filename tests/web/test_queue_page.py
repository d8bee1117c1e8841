"""The work queue page: tabs with counts, filters and search, the head's department tab."""
from __future__ import annotations

import pytest

from engine.models import Procedure
from tests.conftest import T0
from tests.engine.helpers import add_user, advance, hours, open_item, receive, user
from tests.web.conftest import by_testid, flashes, login, page, post_form, text


def rows(client, url: str) -> list[str]:
    return [r.get("data-code") for r in by_testid(page(client.get(url)), "queue-row")]


def seed(library) -> list[str]:
    codes = [receive(library, T0 + hours(n), name=name)
             for n, name in enumerate(["Công ty Alpha", "Công ty Beta"])]
    for code in codes:
        advance(library, code, "officer", "handed_over", T0 + hours(3))
    return codes


def test_search_and_filters_narrow_the_list(client, library):
    alpha, beta = seed(library)
    login(client, "specialist")
    assert rows(client, "/officer/queue?tab=unclaimed") == [alpha, beta]
    assert rows(client, "/officer/queue?tab=unclaimed&q=beta") == [beta]
    assert rows(client, "/officer/queue?tab=unclaimed&field=labour") == []
    assert rows(client, "/officer/queue?tab=unclaimed&procedure=BQL.DT.01&sort=newest") == [
        beta, alpha]
    assert client.get("/officer/queue?tab=unclaimed&sort=salary").status_code == 400
    assert client.get("/officer/queue?tab=department").status_code == 404  # heads only


def officers(tree) -> dict[str, tuple[str, set[str]]]:
    """The shared reassignment list: officer name -> (user id, working roles)."""
    [select] = tree.xpath("//form[@id='reassign-form']//select[@name='to_user']")
    return {o.text.partition(" (")[0]: (o.get("value"), set(o.get("data-roles").split()))
            for o in select.xpath("./option") if o.get("value")}


def reassign_button(tree, code: str):
    row = [r for r in by_testid(tree, "queue-row") if r.get("data-code") == code][0]
    [button] = row.xpath(".//button[@data-testid='reassign']")
    assert button.get("form") == "reassign-form"
    return button


def assignee(library, code: str) -> int | None:
    with library() as session:
        return open_item(session, code).assignee_id


def test_head_sees_the_department_and_reassigns(client, library, english):
    alpha, _ = seed(library)
    login(client, "head")
    tree = page(client.get("/officer/queue?tab=department"))
    assert by_testid(tree, "count-department")[0].text == "2"
    # the department's working officers, listed once for the page whatever the rows
    listed = officers(tree)
    assert len(tree.xpath("//select[@name='to_user']")) == 1
    assert {name: roles for name, (_, roles) in listed.items()} == {
        "Head": {"head"}, "Specialist": {"specialist"}, "Specialist2": {"specialist"}}
    button = reassign_button(tree, alpha)
    assert button.get("data-role") == "specialist" and button.get("data-assignee") == ""
    assert text(button.getparent()).startswith("nobody yet")
    answer = post_form(client, button.get("formaction"), {"to_user": listed["Specialist2"][0]},
                       token_page="/officer/queue?tab=department", follow_redirects=True)
    tree = page(answer)
    assert flashes(tree, "success") == [f"Task of dossier {alpha} reassigned."]
    assert reassign_button(tree, alpha).get("data-assignee") == listed["Specialist2"][0]
    login(client, "specialist2")
    assert rows(client, "/officer/queue?tab=mine") == [alpha]


@pytest.mark.parametrize("target", ["head", "labour_specialist", "retired", "nobody"])
def test_a_forged_officer_is_refused(client, library, english, target):
    """The form lists eligible officers, but the service decides: an officer without the
    step's role, of another department, deactivated, or unknown changes nothing."""
    alpha, _ = seed(library)
    add_user(library, "retired", ["specialist"], "dau_tu")
    with library.begin() as session:
        user(session, "retired").active = False
        forged = -1 if target == "nobody" else user(session, target).id
    login(client, "head")
    button = reassign_button(page(client.get("/officer/queue?tab=department")), alpha)
    answer = post_form(client, button.get("formaction"), {"to_user": str(forged)},
                       token_page="/officer/queue?tab=department", follow_redirects=True)
    assert flashes(page(answer), "error") == [
        "that officer cannot take this step (role or department)"]
    assert assignee(library, alpha) is None


def test_reassigning_needs_the_csrf_token(client, library):
    alpha, _ = seed(library)
    login(client, "head")
    tree = page(client.get("/officer/queue?tab=department"))
    specialist2 = officers(tree)["Specialist2"][0]
    action = reassign_button(tree, alpha).get("formaction")
    for data in ({"to_user": specialist2}, {"to_user": specialist2, "csrf_token": "forged"}):
        assert client.post(action, data=data).status_code == 400
    assert assignee(library, alpha) is None


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_rows_speak_the_chosen_language(client, library, lang):
    alpha, _ = seed(library)
    with library() as session:
        item = open_item(session, alpha)
        procedure = session.get(Procedure, item.procedure_id)
        names = {"vi": (procedure.name, item.step_name), "en": (procedure.name_en, item.step_name_en)}
    assert names["vi"] != names["en"]
    login(client, "head")
    tree = page(client.get(f"/officer/queue?tab=department&lang={lang}"))
    row = [r for r in by_testid(tree, "queue-row") if r.get("data-code") == alpha][0]
    cells = row.xpath("./td")
    assert (cells[1].get("title"), text(cells[3])) == names[lang]
