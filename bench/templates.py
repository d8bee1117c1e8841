"""What the generator copies: officers, and each procedure's real state at each open step.

Each shipped procedure is received once and walked through its diagram by the real services
(engine, persistence, audit); after every step the dossier's serialized workflow state, its
status, its work-item and timer rows (times kept as offsets from the step's start) are taken
as a template. A second dossier per procedure takes the supplement branch where the diagram
offers one, so dossiers waiting for the applicant have a real state too. These few dozen
dossiers stay in the database as ordinary dossiers, with their full audit trail.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, undefer

from engine.demo import install_library
from engine.models import Department, Dossier, Procedure, Timer, User, UserRole, WorkItem
from engine.services import dossiers, queue
from engine.services.users import create_user, ensure_roles

PASSWORD = "bench-pass-1"
# Outcomes tried in this order at each step: the usual road to the result.
ROAD = ("done", "handed_over", "reviewed", "inspected", "consult", "opinions_received",
        "approve", "drafted", "agree", "sign", "resubmitted", "returned", "fast_track",
        "back_to_review")
DETOURS = ("consult", "back_to_review")  # taken once, or the walk would loop
STEP_GAP = timedelta(hours=2)
# Officers per department: specialists, heads; the desk and the leadership are shared.
SPECIALISTS, HEADS, DESK, LEADERS = 30, 3, 20, 5


@dataclass
class StepTemplate:
    procedure_code: str
    step_id: str
    role: str
    status: str
    workflow_state: str
    items: list[dict]  # work-item columns, times as offsets from the step's start
    timers: list[dict]
    supplement: bool = False


@dataclass
class ProcedureTemplates:
    steps: list[StepTemplate] = field(default_factory=list)
    finished_state: str = "{}"


def seed_people(session: Session, now: datetime) -> dict[str, list[int]]:
    """Roles, the library, and ~200 officers (one password hash shared, argon2 is slow)."""
    ensure_roles(session)
    install_library(session, now)
    first = create_user(session, None, now, username="bench.desk.00", full_name="Một Cửa 00",
                        password=PASSWORD, roles=["one_stop"], department_code="van_phong")
    session.flush()
    departments = {d.code: d.id for d in session.execute(select(Department)).scalars()}
    rows, links = [], []
    next_id = first.id + 1

    def add(username: str, name: str, role: str, department: str | None) -> None:
        nonlocal next_id
        rows.append({"id": next_id, "username": username, "full_name": name, "email": "",
                     "password_hash": first.password_hash, "active": True, "created_at": now,
                     "department_id": departments.get(department) if department else None})
        links.append({"user_id": next_id, "role_code": role})
        next_id += 1
    for n in range(1, DESK):
        add(f"bench.desk.{n:02d}", f"Một Cửa {n:02d}", "one_stop", "van_phong")
    for n in range(LEADERS):
        add(f"bench.leader.{n:02d}", f"Lãnh Đạo {n:02d}", "leader", None)
    for code in departments:
        if code == "van_phong":
            continue
        for n in range(SPECIALISTS):
            add(f"bench.cv.{code}.{n:02d}", f"Chuyên Viên {code} {n:02d}", "specialist", code)
        for n in range(HEADS):
            add(f"bench.tp.{code}.{n:02d}", f"Trưởng Phòng {code} {n:02d}", "head", code)
    for role in ("quality", "auditor", "admin"):
        add(f"bench.{role}", role.title(), role, "van_phong")
    session.execute(insert(User.__table__), rows)
    session.execute(insert(UserRole.__table__), links)
    return officers_by_duty(session)


def officers_by_duty(session: Session) -> dict[str, list[int]]:
    """User ids by "role" (desk, leader) or "role:department_id" (specialist, head)."""
    duty: dict[str, list[int]] = {}
    for user in session.execute(select(User).where(User.username.like("bench.%"))
                                .order_by(User.id)).scalars():
        for role in user.roles:
            key = role if role in ("one_stop", "leader") else f"{role}:{user.department_id}"
            duty.setdefault(key, []).append(user.id)
    return duty


def build_templates(sessions, at: datetime, only: tuple[str, ...] | None = None
                    ) -> dict[str, ProcedureTemplates]:
    """Walk every procedure's diagram (or those `only`) through the services; one template
    per open step."""
    with sessions() as session:
        codes = [c for c in session.execute(select(Procedure.code).order_by(Procedure.code))
                 .scalars() if only is None or c in only]
    result = {}
    for n, code in enumerate(codes):
        start = at + timedelta(minutes=10 * n)
        templates = ProcedureTemplates()
        templates.finished_state = _walk(sessions, code, start, templates, supplement=False)
        _walk(sessions, code, start + timedelta(minutes=5), templates, supplement=True)
        result[code] = templates
    return result


def _walk(sessions, code: str, at: datetime, templates: ProcedureTemplates, *,
          supplement: bool) -> str:
    with sessions.begin() as session:
        desk = _user(session, "bench.desk.00")
        dossier_id = dossiers.receive(session, desk, at, procedure_code=code,
                                      applicant={"name": "Công ty Mẫu", "kind": "organisation"}
                                      ).id
    taken: set[str] = set()
    for _ in range(20):
        with sessions.begin() as session:
            dossier = session.execute(select(Dossier).where(Dossier.id == dossier_id)
                                      .options(undefer(Dossier.workflow_state))).scalar_one()
            items = list(session.execute(select(WorkItem).where(
                WorkItem.dossier_id == dossier_id).order_by(WorkItem.id)).scalars())
            if not items:
                return dossier.workflow_state
            item = items[0]
            step = dossiers.diagram_for(dossier.process_version).step(item.step_id)
            if not supplement or item.action == "supplement":
                templates.steps.append(_template(session, code, dossier, items, at))
            if item.action == "supplement" and supplement:
                return dossier.workflow_state
            outcome = _choose(step.outcomes, taken, supplement)
            if outcome is None:
                return dossier.workflow_state
            taken.add(outcome)
            actor = _actor(session, item, len(taken))
            at += STEP_GAP
            queue.claim(session, actor, at, item.id)
            dossiers.complete_task(session, actor, at, item.id, outcome=outcome,
                                   note="bench template")
    raise RuntimeError(f"{code}: the walk did not end in 20 steps")


def _choose(outcomes, taken: set[str], supplement: bool) -> str | None:
    if supplement:
        return "supplement" if "supplement" in outcomes else (
            None if "handed_over" not in outcomes and "done" not in outcomes
            else _choose(outcomes, taken, False))
    for outcome in ROAD:
        if outcome in outcomes and not (outcome in DETOURS and outcome in taken):
            return outcome
    return None


def _template(session: Session, code: str, dossier: Dossier, items: list[WorkItem],
              at: datetime) -> StepTemplate:
    def offsets(row, skip: tuple[str, ...]) -> dict:
        values = {}
        for column in row.__table__.columns:
            value = getattr(row, column.key)
            if column.key in skip:
                continue
            values[column.key] = value - at if isinstance(value, datetime) else value
        return values
    item_skip = ("id", "dossier_id", "assignee_id", "claimed_at", "dossier_code",
                 "applicant_name", "dossier_due_date", "warned_at")
    timers = session.execute(select(Timer).where(Timer.dossier_id == dossier.id,
                                                 Timer.fired_at.is_(None))).scalars()
    return StepTemplate(
        procedure_code=code, step_id=items[0].step_id, role=items[0].role,
        status=dossier.status, workflow_state=dossier.workflow_state,
        items=[offsets(i, item_skip) for i in items],
        timers=[offsets(t, ("id", "dossier_id", "fired_at", "late_seconds")) for t in timers],
        supplement=items[0].action == "supplement")


def _actor(session: Session, item: WorkItem, turn: int) -> User:
    """Another officer at each step: the same person may not both review and approve."""
    duty = officers_by_duty(session)
    key = item.role if item.department_id is None else f"{item.role}:{item.department_id}"
    return session.get(User, duty[key][turn % len(duty[key])])


def _user(session: Session, username: str) -> User:
    return session.execute(select(User).where(User.username == username)).scalar_one()
