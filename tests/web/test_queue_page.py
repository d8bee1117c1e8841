"""The work queue page: tabs with counts, filters and search, the head's department tab."""
from __future__ import annotations

from tests.conftest import T0
from tests.engine.helpers import advance, hours, receive
from tests.web.conftest import by_testid, login, page, post_form


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


def test_head_sees_the_department_and_reassigns(client, library):
    alpha, _ = seed(library)
    login(client, "head")
    tree = page(client.get("/officer/queue?tab=department"))
    assert by_testid(tree, "count-department")[0].text == "2"
    form = [r for r in by_testid(tree, "queue-row") if r.get("data-code") == alpha][0]
    options = {o.text.strip("→ ").strip(): o.get("value")
               for o in form.xpath(".//select[@name='to_user']/option") if o.get("value")}
    assert set(options) == {"Specialist", "Specialist2"}  # specialists of the department only
    action = form.xpath(".//form[@class='reassign']/@action")[0]
    answer = post_form(client, action, {"to_user": options["Specialist2"]},
                       token_page="/officer/queue?tab=department")
    assert answer.status_code == 302
    login(client, "specialist2")
    assert rows(client, "/officer/queue?tab=mine") == [alpha]
