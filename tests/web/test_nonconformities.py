"""The register's pages: reading by role and department, the quality manager's forms (CSRF,
located errors, stale versions), the close confirmation, the XLSX export."""
from __future__ import annotations

from datetime import date, datetime, timezone
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from engine.calendar import VN_TZ
from engine.models import AuditEvent, Dossier, Nonconformity, Procedure
from engine.services import nonconformities as ncs
from tests.conftest import T0
from tests.engine.helpers import receive, user

from .conftest import by_testid, csrf, flashes, login, page, post_form, text

NOW = datetime(2026, 3, 20, 10, 0, tzinfo=VN_TZ).astimezone(timezone.utc)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def register(library, frozen):
    """An overdue dossier's nonconformity (BQL.DT.01, investment department) and a complaint
    about a labour procedure with an overdue corrective action."""
    code = receive(library, T0)  # due 19 March 2026
    with library.begin() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        late = ncs.open_for_late_dossier(session, dossier, NOW)
        labour = session.execute(select(Procedure).where(
            Procedure.department.has(code="lao_dong"))).scalars().first()
        complaint = ncs.open_manual(session, user(session, "quality"), T0, source="complaint",
                                    description="=HYPERLINK(\"x\") khiếu nại",
                                    procedure_id=labour.id, due_date=date(2026, 3, 10))
        return {"late": late.code, "complaint": complaint.code, "dossier": code}


def nc(library, code: str) -> Nonconformity:
    with library.begin() as session:
        return session.execute(select(Nonconformity).where(Nonconformity.code == code)
                               ).scalar_one()


def events(library) -> int:
    with library.begin() as session:
        return session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def codes_listed(response) -> list[str]:
    return [row.get("data-code") for row in by_testid(page(response), "nc-row")]


def test_the_register_lists_counts_filters_and_highlights(client, register):
    login(client, "auditor")
    response = client.get("/nonconformities/")
    assert response.status_code == 200
    tree = page(response)
    assert sorted(codes_listed(response)) == sorted([register["late"], register["complaint"]])
    assert [text(e) for e in by_testid(tree, "count-all") + by_testid(tree, "count-open")
            + by_testid(tree, "count-overdue")] == ["2", "2", "1"]
    [overdue_row] = [r for r in by_testid(tree, "nc-row") if "urgency-overdue" in r.get("class")]
    assert overdue_row.get("data-code") == register["complaint"]
    assert by_testid(tree, "nc-new") == []  # read-only for the auditor
    assert codes_listed(client.get("/nonconformities/?source=late_dossier")) == [register["late"]]
    assert codes_listed(client.get("/nonconformities/?overdue=1")) == [register["complaint"]]
    assert codes_listed(client.get("/nonconformities/?procedure=BQL.DT.01")) == [register["late"]]
    assert codes_listed(client.get("/nonconformities/?from=2026-03-05&to=2026-03-31")) == [
        register["late"]]
    assert codes_listed(client.get("/nonconformities/?status=closed")) == []


@pytest.mark.parametrize("query, field", [("status=gone", "status"), ("source=x", "source"),
                                          ("procedure=NOPE", "procedure"),
                                          ("from=2026-13-01", "from"),
                                          ("from=2026-03-02&to=2026-03-01", "to"),
                                          ("page=0", "page")])
def test_bad_filters_are_refused_with_the_field_named(client, english, register, query, field):
    login(client, "leader")
    response = client.get(f"/nonconformities/?{query}")
    assert response.status_code == 400
    [message] = flashes(page(response), "error")
    assert "not applied" in message
    assert client.get(f"/nonconformities/export.xlsx?{query}").status_code == 400


def test_a_head_reads_only_their_departments_nonconformities(client, register):
    login(client, "head")  # investment department
    assert codes_listed(client.get("/nonconformities/")) == [register["late"]]
    assert client.get(f"/nonconformities/{register['late']}").status_code == 200
    assert client.get(f"/nonconformities/{register['complaint']}").status_code == 403
    login(client, "specialist")
    assert client.get("/nonconformities/").status_code == 403


def test_the_auditor_reads_but_may_not_post(client, register, library):
    login(client, "auditor")
    code = register["late"]
    response = client.get(f"/nonconformities/{code}")
    tree = page(response)
    assert text(by_testid(tree, "nc-dossier")[0]) == register["dossier"]
    assert len(by_testid(tree, "nc-event")) == 1 and by_testid(tree, "nc-edit") == []
    before = events(library)
    token = csrf(client, f"/nonconformities/{code}")
    for url in (f"/nonconformities/{code}", f"/nonconformities/{code}/close",
                f"/nonconformities/{code}/reopen", "/nonconformities/new"):
        assert client.post(url, data={"csrf_token": token, "version": "1",
                                      "description": "x", "source": "other"}).status_code == 403
    assert events(library) == before


def form(found: Nonconformity, **changes) -> dict:
    return {"version": str(found.version), "description": found.description,
            "cause": "Thiếu người", "correction": "Đã xin lỗi",
            "corrective_action": "Bổ sung chuyên viên", "owner_id": "", "due_date": "",
            "effectiveness": "", **changes}


def test_the_quality_manager_edits_then_closes_after_confirming(client, english, register,
                                                                 library):
    code = register["late"]
    login(client, "quality")
    with library.begin() as session:
        head = user(session, "head")
    response = post_form(client, f"/nonconformities/{code}",
                         form(nc(library, code), owner_id=str(head.id), due_date="2026-04-10"),
                         follow_redirects=True)
    tree = page(response)
    assert f"{code} was saved." in flashes(tree, "success")
    assert text(by_testid(tree, "nc-owner")[0]) == head.full_name
    assert text(by_testid(tree, "nc-status")[0]) == "Corrective action under way"
    confirm = client.get(f"/nonconformities/{code}/close")
    assert "Close this nonconformity?" in confirm.get_data(as_text=True)
    assert nc(library, code).status == "in_progress"  # asking is not closing
    response = post_form(client, f"/nonconformities/{code}/close",
                         {"version": str(nc(library, code).version),
                          "effectiveness": "Không tái diễn"}, follow_redirects=True)
    assert f"{code} was closed." in flashes(page(response), "success")
    closed = nc(library, code)
    assert (closed.status, closed.closed_at, closed.effectiveness) == (
        "closed", NOW, "Không tái diễn")
    history = [text(e) for e in by_testid(page(response), "nc-event")]
    assert [h.split(" ")[2] for h in history] == ["Opened", "Changed", "Closed"]


def test_closing_without_the_analysis_is_refused_by_field(client, english, register, library):
    code = register["late"]
    login(client, "quality")
    before = events(library)
    response = post_form(client, f"/nonconformities/{code}/close",
                         {"version": str(nc(library, code).version)},
                         token_page=f"/nonconformities/{code}/close")
    assert response.status_code == 422
    tree = page(response)
    assert {e.get("data-testid") for e in tree.xpath('//*[starts-with(@data-testid, "error-")]')
            } == {"error-cause", "error-correction", "error-corrective_action"}
    assert (nc(library, code).status, events(library)) == ("open", before)


def test_a_stale_edit_keeps_the_text_and_changes_nothing(client, english, register, library):
    code = register["late"]
    login(client, "quality")
    seen = nc(library, code)
    post_form(client, f"/nonconformities/{code}", form(seen, cause="Nguyên nhân A"))
    response = post_form(client, f"/nonconformities/{code}", form(seen, cause="Nguyên nhân B"))
    assert response.status_code == 409
    tree = page(response)
    assert "changed by someone else" in flashes(tree, "error")[0]
    assert tree.xpath('//form[@data-testid="nc-edit"]//textarea[@name="cause"]')[0].text == (
        "Nguyên nhân B")  # what was typed is still there
    assert text(by_testid(tree, "nc-cause")[0]) == "Nguyên nhân A"
    assert nc(library, code).cause == "Nguyên nhân A"


@pytest.mark.parametrize("changes, field", [({"owner_id": "99999"}, "owner_id"),
                                            ({"owner_id": "1 OR 1=1"}, "owner_id"),
                                            ({"due_date": "31/12/2026"}, "due_date"),
                                            ({"due_date": "2026-03-01"}, "due_date"),
                                            ({"version": "x"}, "version"),
                                            ({"cause": "x" * 4001}, "cause")])
def test_forged_or_bad_fields_are_refused_and_located(client, english, register, library,
                                                      changes, field):
    code = register["late"]
    login(client, "quality")
    before = (nc(library, code).version, events(library))
    response = post_form(client, f"/nonconformities/{code}", form(nc(library, code), **changes))
    assert response.status_code == 422
    assert "Nothing was changed" in flashes(page(response), "error")[0]
    if field != "version":
        assert by_testid(page(response), f"error-{field}")
    assert (nc(library, code).version, events(library)) == before


def test_the_quality_manager_opens_one_by_hand(client, english, register, library):
    login(client, "quality")
    response = post_form(client, "/nonconformities/new",
                         {"source": "internal_audit", "description": "Thiếu hồ sơ lưu",
                          "dossier_code": register["dossier"], "procedure_id": "",
                          "owner_id": "", "due_date": "2026-04-30"}, follow_redirects=True)
    assert "Nonconformity NC-2026-0003 was opened." in flashes(page(response), "success")
    assert nc(library, "NC-2026-0003").dossier_id is not None
    refused = post_form(client, "/nonconformities/new",
                        {"source": "internal_audit", "description": "Ghi chú",
                         "dossier_code": "KHONG-CO"})
    assert refused.status_code == 422 and by_testid(page(refused), "error-dossier_code")
    assert page(refused).xpath('//textarea[@name="description"]')[0].text == "Ghi chú"


def test_a_closed_one_is_reopened_with_a_reason(client, english, register, library):
    code = register["late"]
    login(client, "quality")
    post_form(client, f"/nonconformities/{code}", form(nc(library, code)))
    post_form(client, f"/nonconformities/{code}/close", {"version": nc(library, code).version},
              token_page=f"/nonconformities/{code}/close")
    assert nc(library, code).status == "closed"
    response = post_form(client, f"/nonconformities/{code}/reopen",
                         {"version": nc(library, code).version, "reason": "Tái diễn"},
                         token_page=f"/nonconformities/{code}", follow_redirects=True)
    assert f"{code} was reopened." in flashes(page(response), "success")
    assert nc(library, code).status == "in_progress"


def test_the_export_is_a_workbook_of_the_filtered_register(client, english, register):
    login(client, "leader")
    response = client.get("/nonconformities/export.xlsx?status=open")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Number", "Detected", "Source")
    assert sorted(r[0] for r in rows[1:]) == sorted([register["late"], register["complaint"]])
    [complaint] = [r for r in sheet.iter_rows(min_row=2) if r[0].value == register["complaint"]]
    assert complaint[5].data_type == "s" and complaint[5].value.startswith("=HYPERLINK")
    assert complaint[0].fill.fgColor.rgb.endswith("FDE2E1")  # corrective action overdue


def test_the_dossier_page_names_its_nonconformity_to_those_who_read_the_register(client,
                                                                                register):
    login(client, "auditor")
    [notice] = by_testid(page(client.get(f"/officer/dossiers/{register['dossier']}")),
                         "dossier-nonconformity")
    assert register["late"] in text(notice)
    login(client, "officer")  # the desk reads the dossier, not the register
    assert by_testid(page(client.get(f"/officer/dossiers/{register['dossier']}")),
                     "dossier-nonconformity") == []
