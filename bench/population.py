"""The rows of a province's dossiers: who applied for what, when, and how it ended.

A realistic mix, drawn from a seeded random generator so the same parameters give the same
data: procedures weighted by field, receipt on weekdays in office hours over five years,
channels counter/post/online, about a tenth still open (the recent ones mostly), the rest
returned early, on time or late, some refused, some paused for a supplement, many rated.
Open dossiers copy a real template (bench/templates.py) of a step of their procedure.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from engine.calendar import VN_TZ

from .templates import ProcedureTemplates

AGENCY = "000.00.31.H26"
YEARS = 5
FIELD_WEIGHTS = {"investment": 30, "trade": 20, "labour": 25, "land": 10, "construction": 15}
CHANNELS = (("counter", 55), ("online", 35), ("post", 10))
# (age in days up to, probability a dossier of that age is still open): ~10% open in all
OPEN_BY_AGE = ((30, 1.0), (120, 0.6), (365, 0.15), (10 ** 6, 0.01))
ASSIGNED = 0.75  # share of open tasks already claimed by an officer
SUPPLEMENT = 0.08  # share of open dossiers waiting for the applicant
PAUSED = 0.07  # share of finished dossiers that waited once for a supplement
RATED = 0.35
RATINGS = (("very_satisfied", 70), ("satisfied", 25), ("not_satisfied", 5))
REFUSED = 0.04
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi",
          "Đỗ", "Hồ", "Ngô", "Dương", "Lý")
GIVEN = ("Văn An", "Thị Bình", "Minh Châu", "Quốc Dũng", "Thu Hà", "Đức Hải", "Thị Lan",
         "Văn Long", "Ngọc Mai", "Hữu Nam", "Thị Oanh", "Thanh Phong", "Minh Quân", "Thị Sương",
         "Văn Tài", "Thị Uyên", "Quang Vinh", "Hải Yến")
COMPANY = ("Công ty TNHH", "Công ty CP", "Doanh nghiệp tư nhân", "Chi nhánh Công ty")
TRADE = ("Sao Biển", "Đình Vũ", "Cát Hải", "Tràng Duệ", "An Dương", "Lạch Huyện", "Hải Âu",
         "Nam Cầu Kiền", "Tân Tiến", "Bạch Đằng", "Xanh", "Hoàng Long", "Minh Phát")


@dataclass
class ProcedureInfo:
    id: int
    code: str
    field: str
    department_id: int
    process_version_id: int
    legal_days: int
    calendar_days: bool
    calendar: object  # engine.calendar.BusinessCalendar with the procedure's cut-off


@dataclass
class Batch:
    dossiers: list[dict]
    work_items: list[dict]
    timers: list[dict]
    pauses: list[dict]
    ratings: list[dict]


class Population:
    """Draws dossiers one by one; `batch(n)` returns the rows of the next n."""

    def __init__(self, *, seed: int, now: datetime, procedures: list[ProcedureInfo],
                 templates: dict[str, ProcedureTemplates], duty: dict[str, list[int]],
                 first_id: int, sequences: dict[str, int],
                 reviewers: dict[int, list[int]] | None = None):
        self.rng = random.Random(seed)
        # B5's set: every dossier open at its procedure's first specialist step, claimed by
        # one of these officers of the procedure's department (department id -> user ids)
        self.reviewers = reviewers
        self.now = now
        self.templates, self.duty = templates, duty
        self.next_id = first_id
        self.sequences = sequences  # YYMMDD -> last number used
        by_field: dict[str, list[ProcedureInfo]] = {}
        for procedure in procedures:
            by_field.setdefault(procedure.field, []).append(procedure)
        self.procedures, weights = [], []
        for name, group in by_field.items():
            for procedure in group:
                self.procedures.append(procedure)
                weights.append(FIELD_WEIGHTS.get(name, 10) / len(group))
        self.cumulative = _cumulative(weights)
        today = now.astimezone(VN_TZ).date()
        self.days = [d for d in (today - timedelta(days=n) for n in range(1, 365 * YEARS + 2))
                     if d.weekday() < 5]
        self._due_cache: dict[tuple, tuple[date, datetime]] = {}
        self.counts = {"open": 0, "returned": 0, "refused": 0, "awaiting_supplement": 0,
                       "early": 0, "on_time": 0, "late": 0}

    def batch(self, n: int) -> Batch:
        out = Batch([], [], [], [], [])
        for _ in range(n):
            self._one(out)
        return out

    def _one(self, out: Batch) -> None:
        rng = self.rng
        procedure = self.procedures[_pick(self.cumulative, rng.random())]
        day = self.days[int(rng.random() ** 1.15 * len(self.days))]  # more recent, more often
        minutes = rng.choice((rng.randint(450, 690), rng.randint(780, 1019)))  # 7:30-11:30, 13-17
        received = datetime.combine(day, time(minutes // 60, minutes % 60), VN_TZ)
        due_date, appointment = self._due(procedure, received)
        dossier_id = self.next_id
        self.next_id += 1
        age = (self.now - received).days
        open_share = next(p for limit, p in OPEN_BY_AGE if age <= limit)
        row = {
            "id": dossier_id, "code": self._code(day), "procedure_id": procedure.id,
            "process_version_id": procedure.process_version_id,
            **self._applicant(), "channel": _weighted(CHANNELS, rng),
            "received_at": received, "received_by_id": rng.choice(self.duty["one_stop"]),
            "due_date": due_date, "appointment_at": appointment, "data": "{}", "version": 1,
            "decision": None, "finished_at": None, "outcome": None, "workflow_state": "{}"}
        if self.reviewers or rng.random() < open_share:
            self._open(out, row, procedure)
        else:
            self._finished(out, row, received, due_date)
        out.dossiers.append(row)

    def _open(self, out: Batch, row: dict, procedure: ProcedureInfo) -> None:
        rng = self.rng
        steps = self.templates[procedure.code].steps
        waiting = [s for s in steps if s.supplement]
        if self.reviewers:
            template = next(s for s in steps if s.role == "specialist")
        elif waiting and rng.random() < SUPPLEMENT:
            template = rng.choice(waiting)
        else:
            template = rng.choice([s for s in steps if not s.supplement])
        row["status"], row["workflow_state"] = template.status, template.workflow_state
        self.counts["open"] += 1
        self.counts[template.status] = self.counts.get(template.status, 0) + 1
        received = row["received_at"]
        span = max((self.now - received).total_seconds(), 60.0)
        started = received + timedelta(seconds=span * rng.random() * 0.9)
        reviewer = (rng.choice(self.reviewers[procedure.department_id])
                    if self.reviewers else None)
        for item in template.items:
            key = (item["role"] if item["department_id"] is None
                   else f"{item['role']}:{item['department_id']}")
            if reviewer and item["role"] == "specialist":
                assignee = reviewer  # one officer per dossier: no race on its version
            else:
                assignee = (rng.choice(self.duty[key]) if rng.random() < ASSIGNED
                            and key in self.duty else None)
            due_at = started + item["due_at"] if item["due_at"] is not None else None
            out.work_items.append({
                **item, "dossier_id": row["id"], "created_at": started + item["created_at"],
                "claimed_at": started + timedelta(hours=1) if assignee else None,
                "assignee_id": assignee, "due_at": due_at, "warned_at": None,
                "dossier_code": row["code"], "applicant_name": row["applicant_name"],
                "dossier_due_date": row["due_date"]})
        for timer in template.timers:
            fire_at = started + timer["fire_at"]
            fired = fire_at <= self.now  # the scheduler has fired what fell due
            out.timers.append({"dossier_id": row["id"], "task_id": timer["task_id"],
                               "element_id": timer["element_id"], "fire_at": fire_at,
                               "fired_at": fire_at if fired else None,
                               "late_seconds": 0.0 if fired else None})
        if template.supplement:
            out.pauses.append({"dossier_id": row["id"], "requested_at": started,
                               "resumed_at": None, "days_used": rng.randint(1, 5),
                               "due_before": row["due_date"], "due_after": None,
                               "reason": "Bổ sung giấy tờ"})

    def _finished(self, out: Batch, row: dict, received: datetime, due_date: date) -> None:
        rng = self.rng
        deadline = datetime.combine(due_date, time(16, 30), VN_TZ)
        span = deadline - received
        roll = rng.random()
        if roll < 0.70:
            finished = received + span * rng.uniform(0.25, 0.9)
        elif roll < 0.93:
            finished = deadline - timedelta(hours=rng.uniform(0.5, 7))
        else:
            finished = deadline + timedelta(days=rng.randint(1, 12), hours=rng.uniform(0, 5))
        finished = min(finished, self.now - timedelta(minutes=5))
        local = finished.astimezone(VN_TZ).date()
        outcome = "early" if local < due_date else "on_time" if local == due_date else "late"
        refused = rng.random() < REFUSED
        row.update(status="returned", finished_at=finished, outcome=outcome,
                   decision="refuse" if refused else "approve")
        self.counts["returned"] += 1
        self.counts[outcome] += 1
        self.counts["refused"] += refused
        if rng.random() < PAUSED:
            asked = received + (finished - received) * 0.3
            out.pauses.append({"dossier_id": row["id"], "requested_at": asked,
                               "resumed_at": asked + (finished - received) * 0.2,
                               "days_used": rng.randint(1, 5), "due_before": due_date,
                               "due_after": due_date, "reason": "Bổ sung giấy tờ"})
        if rng.random() < RATED:
            out.ratings.append({"dossier_id": row["id"], "procedure_id": row["procedure_id"],
                                "level": _weighted(RATINGS, rng),
                                "comment": "", "rated_at": finished,
                                "recorded_by_id": row["received_by_id"]})

    def _due(self, procedure: ProcedureInfo, received: datetime) -> tuple[date, datetime]:
        key = (procedure.id, received.date(), received.hour)
        if key not in self._due_cache:
            due = procedure.calendar.due(received, procedure.legal_days,
                                         calendar_days=procedure.calendar_days)
            self._due_cache[key] = (due.date, due.appointment_at)
        return self._due_cache[key]

    def _code(self, day: date) -> str:
        key = day.strftime("%y%m%d")
        self.sequences[key] = number = self.sequences.get(key, 0) + 1
        return f"{AGENCY}-{key}-{number:04d}"

    def _applicant(self) -> dict:
        rng = self.rng
        if rng.random() < 0.6:
            name = f"{rng.choice(COMPANY)} {rng.choice(TRADE)} {rng.randint(1, 999)}"
            kind = "organisation"
        else:
            name = f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"
            kind = "person"
        return {"applicant_name": name, "applicant_kind": kind,
                "applicant_id_number": f"{rng.randint(0, 10 ** 12 - 1):012d}",
                "applicant_address": "Hải Phòng", "applicant_phone": "",
                "applicant_email": ""}


def _cumulative(weights: list[float]) -> list[float]:
    total, out = sum(weights), []
    running = 0.0
    for w in weights:
        running += w / total
        out.append(running)
    return out


def _pick(cumulative: list[float], x: float) -> int:
    for i, edge in enumerate(cumulative):
        if x < edge:
            return i
    return len(cumulative) - 1


def _weighted(choices, rng: random.Random) -> str:
    total = sum(w for _, w in choices)
    x = rng.random() * total
    for value, w in choices:
        x -= w
        if x < 0:
            return value
    return choices[-1][0]
