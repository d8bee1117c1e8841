"""Demo data: departments, one user per role, the shipped procedures, dossiers in every state.

Dossiers are made through the real services at past times, so their history, due dates and
outcomes are what the application would have recorded.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .calendar import VN_TZ
from .deadlines import procedure_calendar
from .models import User, WorkItem
from .services import apology, dossiers, nonconformities, queue, stops
from .services.procedures import import_library, procedure_by_code
from .services.users import create_user, ensure_roles

DEMO_PASSWORD = "motcua@2026"


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    roles: tuple[str, ...]
    department: str | None


DEMO_USERS = (
    DemoUser("motcua", "Nguyễn Thị Một Cửa", ("one_stop",), "van_phong"),
    DemoUser("chuyenvien", "Trần Văn Chuyên", ("specialist",), "dau_tu"),
    DemoUser("truongphong", "Lê Thị Trưởng", ("head",), "dau_tu"),
    DemoUser("lanhdao", "Phạm Văn Lãnh", ("leader",), None),
    DemoUser("chatluong", "Hoàng Thị Chất", ("quality",), "van_phong"),
    DemoUser("danhgia", "Vũ Văn Đánh", ("auditor",), None),
    DemoUser("quantri", "Đỗ Văn Quản", ("admin",), "van_phong"),
    DemoUser("cv.thuongmai", "Bùi Thị Thương", ("specialist",), "thuong_mai"),
    DemoUser("tp.thuongmai", "Đặng Văn Mại", ("head",), "thuong_mai"),
    DemoUser("cv.laodong", "Ngô Thị Lao", ("specialist",), "lao_dong"),
    DemoUser("tp.laodong", "Dương Văn Động", ("head",), "lao_dong"),
    DemoUser("cv.xaydung", "Lý Thị Xây", ("specialist",), "xay_dung"),
    DemoUser("tp.xaydung", "Mai Văn Dựng", ("head",), "xay_dung"),
    DemoUser("cv.moitruong", "Trịnh Thị Môi", ("specialist",), "tai_nguyen_moi_truong"),
    DemoUser("tp.moitruong", "Tạ Văn Trường", ("head",), "tai_nguyen_moi_truong"),
    # a second quality manager: the author of a process version cannot approve it
    DemoUser("chatluong2", "Phan Văn Lượng", ("quality",), "van_phong"),
)

# Outcomes in order from hand-over; each prefix leaves a dossier in another state.
HAPPY_PATH = ("handed_over", "approve", "agree", "sign", "returned")
SUPPLEMENT_PATH = ("handed_over", "supplement")
REFUSAL_PATH = ("handed_over", "refuse", "agree", "sign", "returned")


def install_library(session: Session, now: datetime) -> int:
    """Departments and procedures from the shipped catalog; existing ones are left alone."""
    results = import_library(session, None, now)
    refused = [r for r in results if r.status == "refused"]
    if refused:  # the shipped library is tested; this means a broken installation
        raise RuntimeError("the shipped procedure library was refused: " + "; ".join(
            f"{r.code}: {', '.join(r.problems)}" for r in refused))
    return sum(r.status == "added" for r in results)


def load_demo(session: Session, now: datetime) -> list[DemoUser]:
    ensure_roles(session)
    install_library(session, now)
    users = {}
    for demo in DEMO_USERS:
        users[demo.username] = session.execute(
            select(User).where(User.username == demo.username)).scalar_one_or_none() or create_user(
            session, None, now, username=demo.username, full_name=demo.full_name,
            password=DEMO_PASSWORD, roles=list(demo.roles), department_code=demo.department)
    _demo_dossiers(session, users, now)
    _demo_withdrawal(session, users, now)
    _demo_nonconformities(session, users, now)
    return list(DEMO_USERS)


def _demo_dossiers(session: Session, users: dict[str, User], now: datetime) -> None:
    plans = [  # (procedure, days ago received, outcomes done, applicant[, hours between steps])
        ("BQL.DT.01", 0, (), "Công ty TNHH Sao Biển"),
        ("BQL.DT.01", 1, HAPPY_PATH[:1], "Công ty CP Thép Cửa Cấm"),
        ("BQL.DT.01", 2, HAPPY_PATH[:1], "Công ty TNHH Điện tử Đình Vũ"),
        ("BQL.DT.01", 4, SUPPLEMENT_PATH, "Công ty TNHH Logistics Lạch Huyện"),
        ("BQL.DT.01", 5, HAPPY_PATH[:2], "Công ty CP Năng lượng Tràng Duệ"),
        ("BQL.DT.01", 6, HAPPY_PATH[:3], "Công ty TNHH Cơ khí An Dương"),
        ("BQL.DT.01", 7, HAPPY_PATH[:4], "Công ty TNHH May mặc Nam Đình Vũ"),
        ("BQL.DT.01", 9, HAPPY_PATH, "Công ty CP Dược phẩm Hải Âu"),
        ("BQL.DT.01", 40, HAPPY_PATH[:1], "Công ty TNHH Bao bì Tân Tiến"),
        ("BQL.TM.01", 12, REFUSAL_PATH, "Global Trading Pte. Ltd."),
        ("BQL.TM.01", 3, HAPPY_PATH[:1], "Kobe Machinery Co., Ltd."),
        ("BQL.LD.03", 20, HAPPY_PATH, "Kim Min-jun (Hàn Quốc)"),
        ("BQL.LD.03", 35, HAPPY_PATH, "John Smith (Vương quốc Anh)", 120),
        ("BQL.TM.01", 25, HAPPY_PATH, "Siam Export Co., Ltd.", "due"),
        ("BQL.XD.01", 10, HAPPY_PATH[:1], "Công ty CP Xây dựng Bạch Đằng"),
        ("BQL.MT.01", 8, HAPPY_PATH[:1], "Công ty TNHH Môi trường Xanh"),
    ]
    for index, (code, days_ago, outcomes, applicant, *gap) in enumerate(plans):
        received_at = (now - timedelta(days=days_ago)).replace(hour=2 + index % 6, minute=15)
        if received_at > now:
            received_at = now - timedelta(minutes=5)
        dossier = dossiers.receive(
            session, users["motcua"], received_at, procedure_code=code, channel="counter",
            applicant={"name": applicant, "kind": "organisation", "phone": "0225 3 842 000",
                       "address": "Khu kinh tế Đình Vũ - Cát Hải, Hải Phòng"})
        at = received_at
        for step, outcome in enumerate(outcomes, start=1):
            at = min(_step_time(dossier, received_at, at, step, len(outcomes), gap), now)
            item = session.execute(select(WorkItem).where(
                WorkItem.dossier_id == dossier.id)).scalars().first()
            actor = _who(users, item, session)
            queue.claim(session, actor, at, item.id)
            if item.action == "return":
                _apologise_if_late(session, users["motcua"], dossier, at)
            dossiers.complete_task(session, actor, at, item.id, outcome=outcome,
                                   note="Dữ liệu minh hoạ / demo")


def _demo_withdrawal(session: Session, users: dict[str, User], now: datetime) -> None:
    """A dossier the applicant withdrew in writing two days after handing it in."""
    received_at = (now - timedelta(days=11)).replace(hour=3, minute=40)
    dossier = dossiers.receive(
        session, users["motcua"], received_at, procedure_code="BQL.XD.01", channel="counter",
        applicant={"name": "Công ty TNHH Nhà thép Hải An", "kind": "organisation",
                   "phone": "0225 3 769 000", "address": "KCN Đình Vũ, Hải Phòng"})
    withdrawn_at = received_at + timedelta(days=2)
    stops.stop_dossier(session, users["motcua"], withdrawn_at, dossier.id, kind="withdrawn",
                       reason="Công ty có văn bản xin rút hồ sơ để bổ sung thiết kế",
                       expected_version=dossier.version,
                       requested_on=withdrawn_at.astimezone(VN_TZ).date())


def _apologise_if_late(session: Session, officer: User, dossier, at: datetime) -> None:
    """A late result is returned only after an apology with a new appointment."""
    calendar = procedure_calendar(session, dossier.procedure)
    if calendar.classify(at, dossier.due_date) != "late":
        return
    day = calendar.next_working_day(max(dossier.due_date, at.astimezone(calendar.tz).date()))
    new_at = datetime.combine(day, calendar.work_periods[0][0], calendar.tz)
    apology.issue_apology(session, officer, at, dossier.id, new_appointment_at=new_at,
                          reason="Chờ ý kiến cơ quan phối hợp / waiting for another agency")


def _step_time(dossier, received_at: datetime, previous: datetime, step: int, steps: int,
               gap: list) -> datetime:
    """20 hours between steps by default; N hours if given; "due" returns on the due date."""
    if gap == ["due"]:
        on_due = datetime.combine(dossier.due_date, datetime.min.time(), received_at.tzinfo)
        return received_at + (on_due + timedelta(hours=3) - received_at) * step / steps
    return previous + timedelta(hours=gap[0] if gap else 20)


def _who(users: dict[str, User], item: WorkItem, session: Session) -> User:
    for user in users.values():
        if item.role in user.roles and (item.department_id is None
                                        or item.department_id == user.department_id):
            return user
    raise LookupError(f"no demo user for role {item.role}")


def _demo_nonconformities(session: Session, users: dict[str, User], now: datetime) -> None:
    """The register: the late dossiers' own (the late return opened its one already), a
    complaint whose corrective action is overdue, and a closed internal audit finding."""
    nonconformities.open_for_overdue(session, now)
    quality, day = users["chatluong"], timedelta(days=1)
    plans = [  # source, days ago opened, description, owner, due in days, analysis, closed
        ("complaint", 20, "Doanh nghiệp phản ánh phải nộp lại bản sao giấy tờ đã nộp trước đó.",
         "tp.thuongmai", 15, ("Danh mục thành phần hồ sơ chưa cập nhật.",
                              "Đã xin lỗi, nhận hồ sơ không cần bản sao.", ""), False),
        ("internal_audit", 30, "Đánh giá nội bộ: sổ theo dõi hồ sơ tháng trước thiếu chữ ký "
         "người nhận.", "motcua", 20, ("Mẫu sổ không có cột chữ ký.",
                                       "Bổ sung chữ ký cho các hồ sơ còn thiếu.",
                                       "Sửa mẫu sổ, thêm cột chữ ký."), True),
    ]
    for source, days_ago, description, owner, due_in, analysis, closed in plans:
        opened_at = now - days_ago * day
        found = nonconformities.open_manual(
            session, quality, opened_at, source=source, description=description,
            procedure_id=procedure_by_code(session, "BQL.TM.01").id,
            owner_id=users[owner].id, due_date=(opened_at + due_in * day).date())
        nonconformities.update(
            session, quality, opened_at + 2 * day, found.id, expected_version=None,
            changes={"description": description, "owner_id": found.owner_id,
                     "due_date": found.due_date,
                     **dict(zip(nonconformities.REQUIRED_TO_CLOSE, analysis, strict=True))})
        if closed:
            nonconformities.close(session, quality, opened_at + 18 * day, found.id,
                                  expected_version=None,
                                  effectiveness="Kiểm tra lại sau 2 tuần: không tái diễn.")
