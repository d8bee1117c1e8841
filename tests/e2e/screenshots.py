"""Regenerate the screenshots of docs/officer.md (docs/img/*.png) from a live application.

    .venv/bin/python tests/e2e/screenshots.py [--out docs/img]

Not a test. It builds a throw-away SQLite database with the demo data (`engine.demo`: dossiers
in every state, made through the real services at past times, and the demo users), serves the
real application on a free localhost port, and clicks through a new dossier with the same
helpers as the browser tests (`flows.py`): receipt with its appointment and slip, hand-over,
a supplement request, the citizen's lookup on a phone, the resubmission, the review, the
head's department queue, a late dossier's apology, a withdrawal and its notice. The
application's clock is set (with time-machine) to a fixed week in March 2026 and moved on
between the steps, with the diagram timers that fall due fired as the scheduler would, so the
pictures only change when the pages do. Pictures are 1280 px wide (the phone's 390 px), cut to the part the guide shows.

It needs Debian's chromium at /usr/bin/chromium and the bpmn-js assets (`make assets`).
"""
from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make `tests.e2e` importable
    sys.path.insert(0, str(ROOT))

import time_machine  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from engine.clock import now  # noqa: E402
from engine.db import create_schema, make_engine, session_factory  # noqa: E402
from engine.demo import DEMO_PASSWORD, DEMO_USERS, install_library, load_demo  # noqa: E402
from engine.models import Dossier  # noqa: E402
from engine.scheduler import sweep  # noqa: E402
from engine.services.users import ensure_roles  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.e2e.flows import (  # noqa: E402
    VIEWER,
    Applicant,
    claim,
    complete,
    confirm_receipt,
    fill_receipt,
    log_in,
    open_dossier,
    wait_for_diagram,
)
from web import create_app  # noqa: E402

WIDTH = 1280
NAMES = {u.username: u.full_name for u in DEMO_USERS}
APPLICANT = Applicant("Công ty TNHH Cảng Xanh Đình Vũ", id_number="0201234567",
                      address="Lô CN5, KCN Đình Vũ - Cát Hải, Hải Phòng",
                      email="info@cangxanh.vn")
MISSING = "Bổ sung báo cáo năng lực tài chính của nhà đầu tư (bản sao có chứng thực)"
LATE_APPLICANT = "Công ty TNHH Bao bì Tân Tiến"  # a demo dossier received 40 days before
WITHDRAWING_APPLICANT = "Công ty TNHH Điện tử Đình Vũ"  # a demo dossier handed over
WITHDRAWAL_REASON = "Công ty có văn bản đề nghị rút hồ sơ để điều chỉnh quy mô dự án"
# The pictures show a fixed week, so that they change only when the pages do: the demo data is
# made on Monday 2 March 2026 at 08:30 in Vietnam, and the new dossier lives through that week.
VN = timezone(timedelta(hours=7))
MONDAY = datetime(2026, 3, 2, 8, 30, tzinfo=VN)


def on(day: int, hour: int, minute: int = 0) -> datetime:
    """That time on the day `day` days after the Monday of the pictures."""
    return (MONDAY + timedelta(days=day)).replace(hour=hour, minute=minute)


def prepare_database(directory: Path) -> str:
    """The demo data in a fresh SQLite file."""
    from argon2 import PasswordHasher

    import engine.services.users as users
    users._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # throw-away
    url = f"sqlite:///{directory / 'motcua.sqlite3'}"
    engine = make_engine(url)
    create_schema(engine)
    with session_factory(engine).begin() as session:
        ensure_roles(session)
        # the procedures were in force long before the oldest demo dossier was received
        install_library(session, now() - timedelta(days=90))
        load_demo(session, now())
    engine.dispose()
    return url


@contextmanager
def serving(url: str):
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "screenshots"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["motcua.engine"].dispose()


class Shots:
    def __init__(self, browser, base_url: str, out: Path, clock, sessions):
        self.browser, self.base_url, self.out = browser, base_url, out
        self.clock, self.sessions = clock, sessions
        self.pages = {}
        self.logged_in: dict[str, datetime] = {}
        self.taken: list[Path] = []

    def at(self, moment: datetime) -> None:
        """Move the application's clock on, and fire the diagram timers due by then (as the
        scheduler would)."""
        self.clock.move_to(moment)
        sweep(self.sessions)

    def page(self, username: str | None = None, **options):
        """A page of its own per user, logged in through the form; None: a visitor. A login
        lasts 8 hours: the user logs in again on a later day."""
        key = username or f"visitor{len(self.pages)}"
        if key not in self.pages:
            context = self.browser.new_context(**{
                "base_url": self.base_url, "locale": "vi-VN",
                "viewport": {"width": WIDTH, "height": 800}, **options})
            context.set_default_timeout(15_000)
            self.pages[key] = context.new_page()
        if username and now() - self.logged_in.get(username, datetime.min.replace(
                tzinfo=timezone.utc)) > timedelta(hours=7):
            log_in(self.pages[key], username, DEMO_PASSWORD, NAMES[username])
            self.logged_in[username] = now()
        return self.pages[key]

    def shot(self, page, name: str, target=None, *, height: int | None = None,
             until=None) -> None:
        """One element (`target`), or the page from its top, as docs/img/NAME.png: down to
        `height`, or to the bottom of the element `until`, or the viewport's height."""
        path = self.out / f"{name}.png"
        if target is not None:
            target.scroll_into_view_if_needed()
            target.screenshot(path=path, animations="disabled")
        else:
            if until is not None:
                box = until.bounding_box()
                height = int(box["y"] + box["height"] + 16)
            size = page.viewport_size
            page.evaluate("window.scrollTo(0, 0)")
            clip = {"x": 0, "y": 0, "width": size["width"], "height": height or size["height"]}
            page.screenshot(path=path, clip=clip, animations="disabled", full_page=True)
        self.taken.append(path)
        print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()


def take(shots: Shots) -> None:
    shots.at(on(0, 9, 5))
    visitor = shots.page()
    visitor.goto("/login")
    shots.shot(visitor, "login", height=440)

    # Monday morning at the counter: the queue, a receipt with its appointment, the slip
    officer = shots.page("motcua")
    officer.goto("/officer/queue?tab=unclaimed")
    expect(officer.get_by_test_id("queue-row").first).to_be_visible()
    shots.shot(officer, "queue-one-stop", until=officer.locator("p.legend"))
    fill_receipt(officer, APPLICANT, note="Đủ thành phần hồ sơ theo quy định")
    code = confirm_receipt(officer)
    shots.shot(officer, "receipt-slip", height=880)
    shots.at(on(0, 9, 40))
    claim(officer, code, unclaimed=None)
    complete(officer, code, "handed_over", note="Chuyển Phòng Quản lý đầu tư")

    # Tuesday afternoon: the specialist asks for a missing paper; the clock stops
    shots.at(on(1, 14, 10))
    specialist = shots.page("chuyenvien")
    claim(specialist, code, unclaimed=None)
    complete(specialist, code, "supplement", note=MISSING)
    shots.at(on(1, 14, 30))
    officer = shots.page("motcua")
    open_dossier(officer, code)
    shots.shot(officer, "dossier-paused", until=officer.get_by_test_id("pauses"))

    phone = shots.page(None, viewport={"width": 390, "height": 720}, is_mobile=True,
                       has_touch=True)
    phone.goto(f"/tra-cuu/{code}")
    expect(phone.get_by_test_id("lookup-missing")).to_be_visible()
    shots.shot(phone, "lookup-phone")

    # Thursday: the applicant brings the paper; the clock runs again; the review goes on
    shots.at(on(3, 9, 15))
    officer = shots.page("motcua")
    # (another applicant at the counter: a procedure counted in working days, whose
    # appointment skips the weekend; only computed, not saved)
    fill_receipt(officer, Applicant("Công ty CP Thép Cửa Cấm", id_number="0200123456"),
                 procedure="BQL.DT.03")
    officer.locator("form.receive fieldset").nth(2).evaluate("e => e.scrollIntoView()")
    shots.shot(officer, "receive-preview")
    officer.goto("/officer/queue?tab=unclaimed&waiting=supplement")
    expect(officer.get_by_test_id("queue-row").first).to_be_visible()
    shots.shot(officer, "queue-supplement", until=officer.locator("table.queue"))
    claim(officer, code, unclaimed=None)
    complete(officer, code, "resubmitted", note="Đã nhận báo cáo năng lực tài chính")
    shots.at(on(3, 15, 40))
    specialist = shots.page("chuyenvien")
    claim(specialist, code, unclaimed=None)
    complete(specialist, code, "approve", note="Đủ điều kiện cấp Giấy chứng nhận")

    # Friday morning: the head takes the check; the department tab; the dossier page
    shots.at(on(4, 8, 20))
    head = shots.page("truongphong")
    claim(head, code, unclaimed=None)
    head.locator("textarea[name=note]").fill("Đồng ý với đề xuất của chuyên viên")
    shots.shot(head, "task-check", until=head.locator("form.complete"))
    head.goto("/officer/queue?tab=department")
    expect(head.get_by_test_id("queue-row").first).to_be_visible()
    shots.shot(head, "queue-department", until=head.locator("p.legend"))
    officer = shots.page("motcua")
    open_dossier(officer, code)
    wait_for_diagram(officer)
    shots.shot(officer, "dossier-pauses", officer.get_by_test_id("pauses").locator(".."))
    shots.shot(officer, "dossier-diagram", officer.get_by_test_id("diagram").locator(".."))
    shots.shot(officer, "dossier-history", officer.locator("table.history").locator(".."))

    # a late dossier: the flag, and the apology form
    with shots.sessions() as session:
        late = session.execute(select(Dossier.code).where(
            Dossier.applicant_name == LATE_APPLICANT)).scalar_one()
    open_dossier(officer, late)
    expect(officer.get_by_test_id("late-flag")).to_be_visible()
    shots.shot(officer, "dossier-late", officer.locator(".grid").first)
    officer.get_by_test_id("apology-button").click()
    expect(officer.get_by_test_id("apology-form")).to_be_visible()
    shots.shot(officer, "apology", height=640)

    # the same queue in English
    head.goto("/officer/queue?tab=department&lang=en")
    expect(head.locator("h1")).to_have_text("Work queue")
    shots.shot(head, "queue-english", height=420)

    # Friday mid-morning: an applicant's written request to withdraw a dossier; the notice
    shots.at(on(4, 10, 30))
    with shots.sessions() as session:
        withdrawn = session.execute(select(Dossier.code).where(
            Dossier.applicant_name == WITHDRAWING_APPLICANT)).scalar_one()
    officer = shots.page("motcua")
    open_dossier(officer, withdrawn)
    officer.get_by_test_id("stop-button").click()
    officer.get_by_test_id("stop-kind-withdrawn").check()
    officer.get_by_test_id("stop-reason").fill(WITHDRAWAL_REASON)
    shots.shot(officer, "stop-dossier", officer.locator(".grid").first)
    officer.get_by_test_id("stop-confirm").click()
    expect(officer.get_by_test_id("stop-record-reason")).to_have_text(WITHDRAWAL_REASON)
    officer.get_by_test_id("stop-notice-link").click()
    notice = officer.get_by_test_id("stop-notice")
    expect(notice).to_contain_text(withdrawn)
    shots.shot(officer, "stop-notice", notice)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/img",
                        help="where the PNG files go (default: docs/img)")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        sys.exit(f"{CHROMIUM} is absent: install Debian's chromium (apt-get install chromium)")
    if not VIEWER.exists():
        sys.exit(f"{VIEWER} is absent: run `make assets` to install bpmn-js")
    args.out.mkdir(parents=True, exist_ok=True)
    expect.set_options(timeout=15_000)
    with tempfile.TemporaryDirectory(prefix="motcua-shots-") as tmp, \
            time_machine.travel(MONDAY, tick=True) as clock:
        print("preparing the demo data...")
        url = prepare_database(Path(tmp))
        with serving(url) as (base_url, app), sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                 args=CHROMIUM_ARGS)
            shots = Shots(browser, base_url, args.out, clock, app.extensions["motcua.sessions"])
            print(f"taking screenshots into {args.out}:")
            try:
                take(shots)
            finally:
                shots.close()
                browser.close()
    print(f"{len(shots.taken)} screenshots")
    return 0


if __name__ == "__main__":
    sys.exit(main())
