"""A procedure changed in the bpmn-js modeler, in a real Chromium, under document control.

A quality manager opens BQL.DT.01, removes the head's allotment in the modeler's property
panel, saves, sees the problem listed with its element and line and the element marked on the
drawing, clicks the problem (the element is selected), fixes the allotment, saves a draft and
submits it; another quality manager approves and publishes it. A dossier received afterwards
runs on the new version; one received before keeps the old one.

Screenshots go to $MOTCUA_QUALITY_SCREENSHOTS when set (docs/img for docs/quality-manager.md),
else to the test's temporary directory."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from engine.clock import now
from tests.bpmn.helpers import DATA
from tests.conftest import PASSWORD, T0
from tests.engine.helpers import add_user, receive

from .conftest import CHROMIUM

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"{CHROMIUM} is absent: install Debian's chromium to run these"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),  # SQLite file only
]

PROCEDURE = "BQL.DT.01"
MODELER = Path(__file__).resolve().parents[2] / \
    "web/static/vendor/bpmn-js/bpmn-modeler.production.min.js"


def open_as(browser, base_url: str, username: str):
    context = browser.new_context(base_url=base_url, locale="vi-VN",
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button").click()
    expect(page.get_by_test_id("current-user")).to_contain_text(username.title())
    return page


def shot(page, directory: Path, name: str, locator=None) -> None:
    target = directory / f"quality-{name}.png"
    if locator is not None:
        locator.screenshot(path=target)
    else:
        page.screenshot(path=target, full_page=True)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(not MODELER.exists(), reason="bpmn-js is not installed (make assets)")
def test_a_quality_manager_changes_a_step_and_another_approves_and_publishes(
        browser, live_server, library, tmp_path):
    pictures = Path(os.environ.get("MOTCUA_QUALITY_SCREENSHOTS") or tmp_path)
    pictures.mkdir(parents=True, exist_ok=True)
    add_user(library, "quality2", ["quality"], "van_phong")
    older = receive(library, T0)  # an open dossier on version 1

    author = open_as(browser, live_server, "quality")
    expect(author).to_have_url(re.compile(r"/quality/$"))
    author.get_by_role("link", name=PROCEDURE).click()
    expect(author.get_by_test_id("version-row")).to_have_count(1)
    shot(author, pictures, "versions")
    author.get_by_test_id("open-modeler").click()
    canvas = author.get_by_test_id("modeler")
    expect(canvas).to_have_attribute("data-rendered", "true")

    # the head's check loses its allotment, through the property panel
    author.locator('.djs-element[data-element-id="check"]').click()
    expect(author.get_by_test_id("selected-id")).to_have_text("check")
    allotment = author.get_by_test_id("prop-allotment")
    expect(allotment).to_have_value("1")
    allotment.fill("")
    author.get_by_test_id("apply-properties").click()
    author.get_by_test_id("change-note").fill("Trưởng phòng kiểm tra trong 1,5 ngày")
    author.get_by_test_id("save").click()
    expect(canvas).to_have_attribute("data-saved", "refused")
    problem = author.get_by_test_id("problem").filter(has_text="allotment")
    expect(problem).to_have_count(1)
    expect(problem).to_contain_text(re.compile(r"check · line \d+"))
    marked = author.locator('.djs-element.has-problem[data-element-id="check"]')
    expect(marked).to_have_count(1)
    author.locator('.djs-element[data-element-id="approve"]').click()  # select another one
    expect(author.get_by_test_id("selected-id")).to_have_text("approve")
    problem.click()  # the problem selects its element
    expect(author.locator('.djs-element.selected[data-element-id="check"]')).to_have_count(1)
    expect(author.get_by_test_id("selected-id")).to_have_text("check")
    shot(author, pictures, "modeler-problem")

    # fixed: one and a half working days, saved as draft 2, then submitted
    allotment.fill("1.5")
    author.get_by_test_id("apply-properties").click()
    author.get_by_test_id("save").click()
    expect(canvas).to_have_attribute("data-saved", "ok")
    expect(author.get_by_test_id("save-message")).to_contain_text("2")
    expect(marked).to_have_count(0)
    expect(author.get_by_test_id("problem")).to_have_count(0)
    expect(author).to_have_url(re.compile(rf"/quality/{re.escape(PROCEDURE)}/v2/modeler$"))
    shot(author, pictures, "modeler-saved")
    author.get_by_test_id("version-link").click()
    expect(author.get_by_test_id("version-status")).to_have_text("Dự thảo")
    author.get_by_test_id("submit").click()
    expect(author.get_by_test_id("version-status")).to_have_text("Đã trình phê duyệt")
    expect(author.get_by_test_id("approve")).to_have_count(0)  # not for the author

    # another quality manager approves and publishes, in force today
    reviewer = open_as(browser, live_server, "quality2")
    reviewer.goto(f"/quality/{PROCEDURE}/diff?a=1&b=2")
    expect(reviewer.get_by_test_id("diff-row")).to_have_count(1)
    expect(reviewer.get_by_test_id("diff-row")).to_contain_text("allotment")
    expect(reviewer.get_by_test_id("diagram")).to_have_attribute("data-rendered", "true")
    expect(reviewer.locator('.djs-element.diff-changed[data-element-id="check"]')).to_have_count(1)
    shot(reviewer, pictures, "diff")
    reviewer.goto(f"/quality/{PROCEDURE}/v2")
    reviewer.get_by_test_id("approve").click()
    expect(reviewer.get_by_test_id("version-status")).to_have_text("Đã phê duyệt")
    reviewer.locator("textarea[name=change_note]").fill(
        "Trưởng phòng kiểm tra trong 1,5 ngày làm việc (thay cho 1 ngày)")
    shot(reviewer, pictures, "publish")
    reviewer.get_by_test_id("publish").click()
    expect(reviewer.get_by_test_id("version-status")).to_have_text("Đang áp dụng")
    expect(reviewer.get_by_test_id("history-row")).to_have_count(4)
    shot(reviewer, pictures, "published")

    # new dossiers use version 2; the older one keeps version 1 until it is moved
    newer = receive(library, now())
    for code, number in ((newer, 2), (older, 1)):
        reviewer.goto(f"/officer/dossiers/{code}")
        expect(reviewer.locator("h2", has_text=f"{PROCEDURE} · v{number}")).to_have_count(1)
    reviewer.goto(f"/quality/{PROCEDURE}/migrate")
    row = reviewer.locator(f'[data-testid=plan-row][data-code="{older}"]')
    expect(row).to_have_attribute("data-can-move", "yes")
    shot(reviewer, pictures, "migrate")
    reviewer.get_by_test_id("confirm").check()
    reviewer.get_by_test_id("apply").click()
    expect(reviewer.locator(f'[data-testid=result][data-code="{older}"]')).to_have_attribute(
        "data-moved", "yes")
    reviewer.goto(f"/officer/dossiers/{older}")
    expect(reviewer.locator("h2", has_text=f"{PROCEDURE} · v2")).to_have_count(1)

    # diagrams from other modelers: one converted into a draft, one refused, each says why
    author.goto(f"/quality/{PROCEDURE}")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "camunda-permit.bpmn").write_bytes((DATA / "camunda_modeler.bpmn").read_bytes())
    (foreign / "bpmn-io-sketch.bpmn").write_text(NON_EXECUTABLE, encoding="utf-8")
    author.locator("input[name=files]").set_input_files(
        [foreign / "camunda-permit.bpmn", foreign / "bpmn-io-sketch.bpmn"])
    author.get_by_test_id("upload-form").locator("button").click()
    reports = author.get_by_test_id("import-file")
    expect(reports).to_have_count(2)
    expect(author.locator('[data-testid=import-file][data-file="camunda-permit.bpmn"]')
           ).to_have_attribute("data-status", "converted")
    expect(author.locator('[data-testid=import-file][data-file="bpmn-io-sketch.bpmn"]')
           ).to_have_attribute("data-status", "refused")
    shot(author, pictures, "import")
    for page in (author, reviewer):
        page.context.close()


# What bpmn.io draws by default: a process that is not executable, a task in no lane.
NON_EXECUTABLE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Definitions_1"
    targetNamespace="http://bpmn.io/schema/bpmn" exporter="bpmn-js (https://demo.bpmn.io)">
  <bpmn:process id="Process_1" isExecutable="false">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Activity_check" name="Check the file">
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:serviceTask id="Activity_mail" name="Mail the applicant">
      <bpmn:incoming>Flow_2</bpmn:incoming>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Activity_check" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Activity_check" targetRef="Activity_mail" />
  </bpmn:process>
</bpmn:definitions>
"""
