"""The process-mining page in a real Chromium: a period chosen, the conformance check run,
the forged dossier listed with its event, the XES and OCEL files downloaded and read back."""
from __future__ import annotations

import json

import pytest
from lxml import etree
from playwright.sync_api import expect

from tests.engine.mining_paths import honest_and_forged

from .conftest import CHROMIUM

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason=f"{CHROMIUM} is absent: install Debian's chromium to run these"),
    pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),  # SQLite file only
]


def test_an_auditor_checks_march_and_downloads_its_logs(library, login_as, tmp_path):
    march = honest_and_forged(library)
    auditor = login_as("auditor")
    auditor.goto("/audit/mining")
    form = auditor.get_by_test_id("mining-period")
    form.locator("input[name=from]").fill("2026-03-01")
    form.locator("input[name=to]").fill("2026-03-31")
    auditor.get_by_test_id("run-check").click()
    expect(auditor.get_by_test_id("count-checked")).to_have_text("2")
    expect(auditor.get_by_test_id("count-deviating")).to_have_text("1")
    row = auditor.get_by_test_id("deviating-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("dossier-link")).to_have_attribute(
        "href", f"/audit/dossiers/{march['forged']}")
    expect(row.get_by_test_id("deviation")).to_have_attribute("data-event", str(march["event"]))
    with auditor.expect_download() as download:
        auditor.get_by_test_id("download-xes").click()
    xes = tmp_path / "log.xes"
    download.value.save_as(xes)
    assert download.value.suggested_filename == "motcua-2026-03-01-2026-03-31.xes"
    assert len(etree.parse(str(xes)).getroot().findall("trace")) == 2
    with auditor.expect_download() as download:
        auditor.get_by_test_id("download-ocel").click()
    ocel = tmp_path / "log.jsonocel"
    download.value.save_as(ocel)
    objects = {o["id"] for o in json.loads(ocel.read_text(encoding="utf-8"))["objects"]}
    assert {f"dossier:{march['honest']}", f"dossier:{march['forged']}"} <= objects
