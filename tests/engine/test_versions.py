"""Document control of process versions and moving open dossiers, through the services.

Runs on SQLite and, with MOTCUA_TEST_DATABASE_URL, on PostgreSQL (the `library` fixture)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from lxml import etree
from sqlalchemy import func, select

from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.models import AuditEvent, Dossier, ProcessVersion, Timer, WorkItem
from engine.services import moves, versions
from engine.services.procedures import procedure_by_code, published_version
from engine.services.versions import DiagramRefused
from tests.conftest import T0
from tests.engine.helpers import add_user, advance, hours, open_item, receive, user

PROCEDURE = "BQL.DT.01"  # standard.bpmn, 15 calendar days (11 working days at least)
BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NS = {"bpmn": BPMN, "spiffworkflow": SPIFF}


# --- diagram edits, as a modeler would make them ---------------------------------------------

def edit(xml: str, change) -> str:
    root = etree.fromstring(xml.encode("utf-8"))
    change(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")


def prop(root, task_id: str, name: str):
    found = root.xpath(f'//bpmn:userTask[@id="{task_id}"]//spiffworkflow:property[@name="{name}"]',
                       namespaces=NS)
    return found[0] if found else None


def set_allotment(task_id: str, value: str):
    def change(root):
        prop(root, task_id, "allotment").set("value", value)
    return change


def drop_allotment(task_id: str):
    def change(root):
        el = prop(root, task_id, "allotment")
        el.getparent().remove(el)
    return change


def rename(element_id: str, name: str):
    def change(root):
        root.xpath(f'//*[@id="{element_id}"]')[0].set("name", name)
    return change


def insert_before_review(root):
    """A legal check between the hand-over and the review (specialist lane, half a day)."""
    process = root.find(f"{{{BPMN}}}process")
    flow = root.xpath('//bpmn:sequenceFlow[@id="f_handover"]', namespaces=NS)[0]
    flow.set("targetRef", "legal_check")
    task = etree.SubElement(process, f"{{{BPMN}}}userTask", id="legal_check",
                            name="Kiểm tra pháp lý")
    ext = etree.SubElement(task, f"{{{BPMN}}}extensionElements")
    props = etree.SubElement(ext, f"{{{SPIFF}}}properties")
    for name, value in (("name_en", "Legal check"), ("outcomes", "done"), ("allotment", "0.5")):
        etree.SubElement(props, f"{{{SPIFF}}}property", name=name, value=value)
    etree.SubElement(process, f"{{{BPMN}}}sequenceFlow", id="f_legal_check",
                     sourceRef="legal_check", targetRef="review")
    lane = root.xpath('//bpmn:lane[@id="Lane_specialist"]', namespaces=NS)[0]
    etree.SubElement(lane, f"{{{BPMN}}}flowNodeRef").text = "legal_check"


def escalate_earlier(root):
    """The review's escalation timer fires two working days before the due date."""
    timer = root.xpath('//bpmn:boundaryEvent[@id="review_late"]//bpmn:timeDate', namespaces=NS)[0]
    timer.text = "max(before_due(2), working_days(0.5))"


def both(*changes):
    def change(root):
        for each in changes:
            each(root)
    return change


# --- fixtures and small steps ----------------------------------------------------------------

@pytest.fixture
def quality(library):
    add_user(library, "quality2", ["quality"], "van_phong")
    return library


def v1_xml(sessions) -> str:
    with sessions.begin() as session:
        return published_version(session, procedure_by_code(session, PROCEDURE), T0).bpmn_xml


def save(sessions, username: str, xml: str, at=T0, **kwargs) -> int:
    with sessions.begin() as session:
        return versions.save_draft(session, user(session, username), at,
                                   procedure_code=PROCEDURE, xml=xml, **kwargs).version.number


def call(sessions, action, username: str, number: int, at=T0, **kwargs):
    with sessions.begin() as session:
        return action(session, user(session, username), at, procedure_code=PROCEDURE,
                      number=number, **kwargs)


def status_of(sessions, number: int) -> str:
    with sessions.begin() as session:
        return versions.version_by_number(session, procedure_by_code(session, PROCEDURE),
                                          number).status


def in_force(sessions, at) -> int:
    with sessions.begin() as session:
        return published_version(session, procedure_by_code(session, PROCEDURE), at).number


def events(sessions, *actions: str) -> list[AuditEvent]:
    with sessions.begin() as session:
        found = list(session.execute(select(AuditEvent).where(AuditEvent.action.in_(actions))
                                     .order_by(AuditEvent.id)).scalars())
        session.expunge_all()
        return found


def publish_v2(sessions, xml: str, effective=None, at=T0) -> int:
    number = save(sessions, "quality", xml, at=at, change_note="draft")
    call(sessions, versions.submit, "quality", number, at=at)
    call(sessions, versions.approve, "quality2", number, at=at)
    call(sessions, versions.publish, "quality2", number, at=at,
         effective_from=effective or at.date(), change_note="Review in four days")
    return number


# --- document control ------------------------------------------------------------------------

def test_the_whole_document_control_cycle_is_audited_with_the_sha256(quality):
    xml = edit(v1_xml(quality), set_allotment("review", "4"))
    number = save(quality, "quality", xml, based_on=1, change_note="Review in four days")
    assert number == 2 and status_of(quality, 2) == "draft"
    call(quality, versions.submit, "quality", 2, at=T0 + hours(1))
    assert status_of(quality, 2) == "submitted"
    call(quality, versions.approve, "quality2", 2, at=T0 + hours(2))
    assert status_of(quality, 2) == "approved"
    assert in_force(quality, T0 + hours(2)) == 1  # approved is not published
    call(quality, versions.publish, "quality2", 2, at=T0 + hours(3),
         effective_from=T0.date(), change_note="Review shortened to four working days")
    assert status_of(quality, 2) == "published"
    assert in_force(quality, T0 + hours(3)) == 2
    trail = events(quality, *versions.VERSION_ACTIONS)
    assert [(e.action, e.actor_name) for e in trail] == [
        ("version_draft_save", "quality"), ("version_submit", "quality"),
        ("version_approve", "quality2"), ("version_publish", "quality2")]
    with quality.begin() as session:
        v2 = versions.version_by_number(session, procedure_by_code(session, PROCEDURE), 2)
        assert {e.process_sha256 for e in trail} == {v2.sha256}
        assert all(e.after["sha256"] == v2.sha256 and e.after["version"] == 2 for e in trail)
        assert v2.published_at == T0 + hours(3) and v2.effective_from == T0.date()
        assert v2.change_note == "Review shortened to four working days"
        assert v2.created_by_id == user(session, "quality").id
        assert versions.standing(v2, v2, T0.date()) == "in_force"
        v1 = versions.version_by_number(session, procedure_by_code(session, PROCEDURE), 1)
        assert v1.status == "published"  # superseded, not retired: its dossiers run on it
        assert versions.standing(v1, v2, T0.date()) == "superseded"
    assert trail[-1].after["supersedes"] == 1


def test_the_author_cannot_approve_and_only_the_author_submits(quality):
    number = save(quality, "quality", edit(v1_xml(quality), set_allotment("review", "4")))
    with pytest.raises(Forbidden, match="only the author"):
        call(quality, versions.submit, "quality2", number)
    call(quality, versions.submit, "quality", number)
    with pytest.raises(Forbidden, match="author of a version cannot approve"):
        call(quality, versions.approve, "quality", number)
    with pytest.raises(Forbidden, match="cannot send back"):
        call(quality, versions.reject, "quality", number, reason="no")
    with pytest.raises(Forbidden, match="quality manager"):
        call(quality, versions.approve, "head", number)
    assert status_of(quality, number) == "submitted"
    assert [e.action for e in events(quality, *versions.VERSION_ACTIONS)] == [
        "version_draft_save", "version_submit"]


def test_a_reviewer_sends_a_version_back_with_a_reason(quality):
    number = save(quality, "quality", edit(v1_xml(quality), set_allotment("review", "4")))
    call(quality, versions.submit, "quality", number)
    with pytest.raises(InvalidInput, match="say why"):
        call(quality, versions.reject, "quality2", number, reason="  ")
    call(quality, versions.reject, "quality2", number, reason="Allotment too short")
    assert status_of(quality, number) == "draft"
    sent_back = events(quality, "version_reject")[0]
    assert sent_back.reason == "Allotment too short" and sent_back.actor_name == "quality2"
    # back in draft, the author may change it again and submit again
    save(quality, "quality", edit(v1_xml(quality), set_allotment("review", "4.5")), number=number)
    call(quality, versions.submit, "quality", number)


def test_transitions_happen_only_in_order(quality):
    number = save(quality, "quality", edit(v1_xml(quality), set_allotment("review", "4")))
    with pytest.raises(Conflict, match="only a submitted version can be reviewed"):
        call(quality, versions.approve, "quality2", number)
    with pytest.raises(Conflict, match="can be published only when approved"):
        call(quality, versions.publish, "quality2", number, effective_from=T0.date(),
             change_note="x")
    with pytest.raises(Conflict, match="is published"):
        call(quality, versions.submit, "quality", 1)


def test_a_published_version_never_changes(quality):
    xml = edit(v1_xml(quality), set_allotment("review", "4"))
    with pytest.raises(Conflict, match="version 1 is published: its diagram never changes"):
        save(quality, "quality", xml, number=1)
    with quality.begin() as session:  # even written directly, the flush refuses it
        v1 = versions.version_by_number(session, procedure_by_code(session, PROCEDURE), 1)
        sha = v1.sha256
        v1.bpmn_xml = xml
        with pytest.raises(Conflict, match="never changes"):
            session.flush()
        session.rollback()
    with quality.begin() as session:
        v1 = versions.version_by_number(session, procedure_by_code(session, PROCEDURE), 1)
        assert v1.sha256 == sha and v1.bpmn_xml != xml
    number = save(quality, "quality", xml)
    call(quality, versions.submit, "quality", number)
    with pytest.raises(Conflict, match="is submitted"):  # frozen from submission on
        save(quality, "quality", edit(xml, set_allotment("review", "3")), number=number)


def test_only_the_author_edits_a_draft_and_an_identical_draft_is_refused(quality):
    xml = edit(v1_xml(quality), set_allotment("review", "4"))
    number = save(quality, "quality", xml)
    with pytest.raises(Forbidden, match="another quality manager's"):
        save(quality, "quality2", edit(xml, set_allotment("review", "3")), number=number)
    with pytest.raises(InvalidInput, match="nothing changed: this diagram is version 1"):
        save(quality, "quality2", v1_xml(quality))
    save(quality, "quality", edit(xml, set_allotment("review", "3")), number=number)
    saves = events(quality, "version_draft_save")
    assert len(saves) == 2 and saves[1].before["sha256"] == saves[0].after["sha256"]
    assert saves[1].after["sha256"] != saves[0].after["sha256"]


def test_a_refused_diagram_changes_nothing_and_says_where(quality):
    with quality.begin() as session:
        count = session.execute(select(func.count()).select_from(ProcessVersion)).scalar_one()
    with pytest.raises(DiagramRefused) as refused:
        save(quality, "quality", edit(v1_xml(quality), drop_allotment("check")))
    problem = refused.value.report.errors[0]
    assert problem.element_id == "check" and problem.line and "allotment" in problem.message
    with pytest.raises(DiagramRefused) as over:
        save(quality, "quality", edit(v1_xml(quality), set_allotment("review", "9")))
    assert "legal deadline is 11 working days" in over.value.report.errors[0].message
    assert over.value.report.errors[0].element_id == "standard"
    for bad in ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "<oops",
                b"x" * (2 * 1024 * 1024 + 1)):
        with pytest.raises(DiagramRefused):
            save(quality, "quality", bad)
    with quality.begin() as session:
        assert session.execute(select(func.count()).select_from(ProcessVersion)).scalar_one() \
            == count
    assert events(quality, *versions.VERSION_ACTIONS) == []


def test_new_dossiers_use_the_newest_version_whose_effective_date_has_come(quality):
    effective = (T0 + timedelta(days=7)).date()
    publish_v2(quality, edit(v1_xml(quality), set_allotment("review", "4")), effective)
    before = receive(quality, T0 + hours(1))
    after = receive(quality, T0 + timedelta(days=7))
    with quality.begin() as session:
        numbers = {d.code: d.process_version.number for d in session.execute(
            select(Dossier)).scalars()}
    assert numbers == {before: 1, after: 2}
    with quality.begin() as session:
        v2 = versions.version_by_number(session, procedure_by_code(session, PROCEDURE), 2)
        v1 = versions.version_by_number(session, procedure_by_code(session, PROCEDURE), 1)
        assert versions.standing(v2, v1, T0.date()) == "scheduled"


def test_effective_dates_are_never_in_the_past_nor_before_an_older_version(quality):
    number = save(quality, "quality", edit(v1_xml(quality), set_allotment("review", "4")))
    call(quality, versions.submit, "quality", number)
    call(quality, versions.approve, "quality2", number)
    with pytest.raises(InvalidInput, match="in the past"):
        call(quality, versions.publish, "quality2", number,
             effective_from=(T0 - timedelta(days=1)).date(), change_note="x")
    with pytest.raises(InvalidInput, match="change note is required"):
        call(quality, versions.publish, "quality2", number, effective_from=T0.date(),
             change_note=" ")
    call(quality, versions.publish, "quality2", number,
         effective_from=(T0 + timedelta(days=10)).date(), change_note="later")
    v3 = save(quality, "quality", edit(v1_xml(quality), set_allotment("review", "3")))
    call(quality, versions.submit, "quality", v3)
    call(quality, versions.approve, "quality2", v3)
    with pytest.raises(InvalidInput, match="cannot take effect before it"):
        call(quality, versions.publish, "quality2", v3,
             effective_from=(T0 + timedelta(days=5)).date(), change_note="earlier")


def test_retiring_the_version_in_force_retires_the_superseded_ones_with_it(quality):
    publish_v2(quality, edit(v1_xml(quality), set_allotment("review", "4")))
    with pytest.raises(InvalidInput, match="say why"):
        call(quality, versions.retire, "quality", 2, reason="")
    retired = call(quality, versions.retire, "quality", 2, at=T0 + hours(1),
                   reason="Procedure abolished")
    assert [v.number for v in retired] == [2, 1]
    assert status_of(quality, 1) == status_of(quality, 2) == "retired"
    with quality.begin() as session, pytest.raises(NotFound, match="no published version"):
        published_version(session, procedure_by_code(session, PROCEDURE), T0 + hours(2))
    assert [e.after["version"] for e in events(quality, "version_retire")] == [2, 1]


def test_a_draft_can_be_withdrawn(quality):
    number = save(quality, "quality", edit(v1_xml(quality), set_allotment("review", "4")))
    call(quality, versions.retire, "quality", number, reason="Not needed")
    assert status_of(quality, number) == "retired" and status_of(quality, 1) == "published"


def test_the_diff_of_two_versions_lists_elements_added_removed_and_changed(quality):
    xml = edit(v1_xml(quality), both(set_allotment("review", "4"), rename("check", "Kiểm tra"),
                                     insert_before_review))
    number = save(quality, "quality", xml)
    with quality.begin() as session:
        diff = versions.diff_versions(session, procedure_by_code(session, PROCEDURE), 1, number)
    assert {c.element_id for c in diff.added} == {"legal_check", "f_legal_check"}
    assert diff.removed == []
    changed = {c.element_id: c.fields for c in diff.changed}
    assert changed["review"] == (("property allotment", "5", "4"),)
    assert changed["check"] == (("name", "Trưởng phòng kiểm tra", "Kiểm tra"),)
    assert changed["f_handover"] == (("targetRef", "review", "legal_check"),)
    with quality.begin() as session:
        back = versions.diff_versions(session, procedure_by_code(session, PROCEDURE), number, 1)
    assert {c.element_id for c in back.removed} == {"legal_check", "f_legal_check"}
    added = next(c for c in diff.added if c.element_id == "legal_check")
    assert (added.kind, added.name) == ("userTask", "Kiểm tra pháp lý")


# --- moving open dossiers --------------------------------------------------------------------

def dossier_rows(sessions, code: str) -> dict:
    with sessions.begin() as session:
        dossier = session.execute(select(Dossier).where(Dossier.code == code)).scalar_one()
        return {
            "version": dossier.process_version.number, "due": dossier.due_date,
            "items": sorted((w.step_id, w.task_id, w.assignee_id, w.due_at) for w in
                            session.execute(select(WorkItem).where(
                                WorkItem.dossier_id == dossier.id)).scalars()),
            "timers": sorted((t.task_id, t.element_id, t.fire_at) for t in session.execute(
                select(Timer).where(Timer.dossier_id == dossier.id)).scalars()),
            "history": [e.action for e in session.execute(select(AuditEvent).where(
                AuditEvent.dossier_id == dossier.id).order_by(AuditEvent.id)).scalars()],
        }


def claim(sessions, code: str, username: str, at) -> None:
    from engine.services import queue
    with sessions.begin() as session:
        queue.claim(session, user(session, username), at, open_item(session, code).id)


def test_dry_run_then_apply_moves_the_dossiers_that_can_move(quality):
    at_handover = receive(quality, T0)
    at_review = receive(quality, T0 + hours(1), name="Công ty B")
    advance(quality, at_review, "officer", "handed_over", T0 + hours(2))
    claim(quality, at_review, "specialist", T0 + hours(3))
    at_check = receive(quality, T0 + hours(1), name="Công ty C")
    advance(quality, at_check, "officer", "handed_over", T0 + hours(2))
    advance(quality, at_check, "specialist", "approve", T0 + hours(3))
    finished_before = {code: dossier_rows(quality, code)
                       for code in (at_handover, at_review, at_check)}
    xml = edit(v1_xml(quality), both(insert_before_review, set_allotment("check", "1.5"),
                                     rename("check", "Trưởng phòng kiểm tra, ký nháy"),
                                     escalate_earlier))
    publish_v2(quality, xml, at=T0 + hours(4))

    with quality.begin() as session:
        plan = moves.plan_migration(session, user(session, "quality"), T0 + hours(5),
                                       procedure_code=PROCEDURE)
        assert plan.target.number == 2
    checks = {c.code: c for c in plan.checks}
    assert set(checks) == {at_handover, at_review, at_check}
    assert checks[at_handover].can_move and checks[at_handover].open_steps == ("handover",)
    assert checks[at_handover].skipped_steps == ()  # the legal check is still ahead of it
    assert checks[at_check].can_move and checks[at_check].changed_steps == ("check",)
    assert checks[at_check].skipped_steps == ("legal_check",)  # it is past that point
    assert not checks[at_review].can_move
    assert checks[at_review].reasons == (
        ("waiting timer review_late (Còn 1 ngày làm việc, chưa thẩm định xong) changed; its "
         "fire time cannot be carried over"),)
    assert {code: dossier_rows(quality, code) for code in checks} == finished_before  # dry

    with quality.begin() as session:
        results = moves.migrate_dossiers(session, user(session, "quality"), T0 + hours(6),
                                            procedure_code=PROCEDURE, to_number=2,
                                            codes=list(checks))
    moved = {r.code for r in results if r.moved}
    assert moved == {at_handover, at_check}
    for code in moved:
        now = dossier_rows(quality, code)
        assert now["version"] == 2
        old = finished_before[code]
        assert (now["due"], now["items"], now["timers"]) == (old["due"], old["items"],
                                                             old["timers"])
        assert now["history"] == old["history"] + ["dossier_migrate"]
    assert dossier_rows(quality, at_review) == finished_before[at_review]
    migrations = events(quality, "dossier_migrate")
    with quality.begin() as session:
        procedure = procedure_by_code(session, PROCEDURE)
        v1, v2 = (versions.version_by_number(session, procedure, n) for n in (1, 2))
        assert {(e.before["sha256"], e.after["sha256"], e.process_sha256) for e in migrations} \
            == {(v1.sha256, v2.sha256, v2.sha256)}
        item = session.execute(select(WorkItem).where(WorkItem.step_id == "check")).scalar_one()
        assert item.step_name == "Trưởng phòng kiểm tra, ký nháy"

    # the moved dossiers run on the new version to the end; the new step is on the way
    advance(quality, at_handover, "officer", "handed_over", T0 + hours(7))
    with quality.begin() as session:
        assert open_item(session, at_handover).step_id == "legal_check"
    for username, outcome in (("specialist", "done"), ("specialist", "approve"),
                              ("head", "agree"), ("leader", "sign"), ("officer", "returned")):
        advance(quality, at_handover, username, outcome, T0 + hours(8))
    for username, outcome in (("head", "agree"), ("leader", "sign"), ("officer", "returned")):
        advance(quality, at_check, username, outcome, T0 + hours(8))
    with quality.begin() as session:
        finished = {d.code: (d.status, d.process_version.number) for d in session.execute(
            select(Dossier).where(Dossier.code.in_([at_handover, at_check]))).scalars()}
    assert finished == {at_handover: ("returned", 2), at_check: ("returned", 2)}


def test_moving_needs_the_version_in_force_and_a_quality_manager(quality):
    code = receive(quality, T0)
    publish_v2(quality, edit(v1_xml(quality), set_allotment("review", "4")), at=T0 + hours(1))
    with quality.begin() as session, pytest.raises(Conflict, match="not the version in force"):
        moves.migrate_dossiers(session, user(session, "quality"), T0 + hours(2),
                                  procedure_code=PROCEDURE, to_number=1, codes=[code])
    with quality.begin() as session, pytest.raises(Forbidden):
        moves.plan_migration(session, user(session, "head"), T0 + hours(2),
                                procedure_code=PROCEDURE)
    with quality.begin() as session:
        results = moves.migrate_dossiers(session, user(session, "quality"), T0 + hours(2),
                                            procedure_code=PROCEDURE, to_number=2,
                                            codes=[code, "NOPE"])
    assert {r.code: r.moved for r in results} == {code: True, "NOPE": False}


def test_a_done_step_missing_from_the_new_version_keeps_the_dossier_where_it_is(quality):
    code = receive(quality, T0)
    advance(quality, code, "officer", "handed_over", T0 + hours(1))

    def bypass_handover(root):
        root.xpath('//bpmn:sequenceFlow[@id="f_receive"]', namespaces=NS)[0].set(
            "targetRef", "review")
        for el in root.xpath('//*[@id="handover" or @id="f_handover"]'):
            el.getparent().remove(el)
        for ref in root.xpath('//bpmn:flowNodeRef[text()="handover"]', namespaces=NS):
            ref.getparent().remove(ref)
        for ref in root.xpath('//bpmn:incoming[text()="f_handover"]', namespaces=NS):
            ref.getparent().remove(ref)
    publish_v2(quality, edit(v1_xml(quality), bypass_handover), at=T0 + hours(2))
    with quality.begin() as session:
        plan = moves.plan_migration(session, user(session, "quality"), T0 + hours(3),
                                       procedure_code=PROCEDURE)
    assert [(c.code, c.can_move) for c in plan.checks] == [(code, False)]
    assert "done step handover (Chuyển hồ sơ cho phòng chuyên môn) is not in the new version" \
        in plan.checks[0].reasons
