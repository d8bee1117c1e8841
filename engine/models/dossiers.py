"""Dossiers, their open work items and waiting timers, and the daily code sequence."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime
from .procedures import Procedure, ProcessVersion


class Dossier(Base):
    __tablename__ = "dossier"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"), index=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    applicant_name: Mapped[str] = mapped_column(String(300))
    applicant_kind: Mapped[str] = mapped_column(String(20), default="person")
    applicant_id_number: Mapped[str] = mapped_column(String(40), default="")
    applicant_address: Mapped[str] = mapped_column(String(400), default="")
    applicant_phone: Mapped[str] = mapped_column(String(40), default="")
    applicant_email: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[str] = mapped_column(String(20), default="counter")
    status: Mapped[str] = mapped_column(String(30), index=True)
    decision: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    due_date: Mapped[date] = mapped_column(Date, index=True)
    appointment_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    outcome: Mapped[str | None] = mapped_column(String(20))  # early / on_time / late
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    workflow_state: Mapped[str] = mapped_column(Text, deferred=True)
    version: Mapped[int] = mapped_column(Integer)

    procedure: Mapped[Procedure] = relationship(lazy="joined")
    process_version: Mapped[ProcessVersion] = relationship(lazy="select")

    __mapper_args__ = {"version_id_col": version}


class DossierSequence(Base):
    """Last sequence number used per receipt day: codes restart daily and never repeat."""
    __tablename__ = "dossier_sequence"
    day: Mapped[str] = mapped_column(String(8), primary_key=True)  # YYMMDD
    last: Mapped[int] = mapped_column(Integer)


class WorkItem(Base):
    """One row per open human task; the work queue reads only this table."""
    __tablename__ = "work_item"
    __table_args__ = (UniqueConstraint("dossier_id", "task_id"),)  # indexes: after the class
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id", ondelete="CASCADE"))
    task_id: Mapped[str] = mapped_column(String(40))
    step_id: Mapped[str] = mapped_column(String(100))
    step_name: Mapped[str] = mapped_column(String(300))
    step_name_en: Mapped[str] = mapped_column(String(300), default="")
    action: Mapped[str | None] = mapped_column(String(20))
    role: Mapped[str] = mapped_column(String(30))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a warning timer fired
    escalated: Mapped[bool] = mapped_column(default=False, server_default=false())  # by a timer
    # Copied from the dossier so a queue page needs no join.
    dossier_code: Mapped[str] = mapped_column(String(60))
    applicant_name: Mapped[str] = mapped_column(String(300))
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"))
    dossier_due_date: Mapped[date] = mapped_column(Date)


# The queue's pages read the first rows of an index in the page's order and stop (B2 in
# bench/: one million dossiers). "By due" sorts on (due_at IS NULL, due_at, id): hence the
# expression. Claimed and unclaimed tasks have indexes of their own: a quarter of the tasks
# share assignee_id NULL, which averaged statistics hide (SQLite then takes a full-index
# plan for a few rows), and PostgreSQL does not take `IS NULL` as an equality that fixes the
# order. "mine" walks the first; "unclaimed" the second, or the third when narrowed to the
# supplement action; the department tab one per sort.
_DUE_ORDER = (WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.id)
_CLAIMED = {"sqlite_where": WorkItem.assignee_id.is_not(None),
            "postgresql_where": WorkItem.assignee_id.is_not(None)}
_UNCLAIMED = {"sqlite_where": WorkItem.assignee_id.is_(None),
              "postgresql_where": WorkItem.assignee_id.is_(None)}
Index("ix_work_item_assignee_due_order", WorkItem.assignee_id, *_DUE_ORDER, **_CLAIMED)
# role and department too: the tab's filter and its count read the index alone
Index("ix_work_item_unclaimed_due_order", *_DUE_ORDER, WorkItem.role, WorkItem.department_id,
      WorkItem.assignee_id, **_UNCLAIMED)
Index("ix_work_item_unclaimed_action", WorkItem.action, *_DUE_ORDER, **_UNCLAIMED)
Index("ix_work_item_department_due_order", WorkItem.department_id, *_DUE_ORDER)
Index("ix_work_item_department_created", WorkItem.department_id, WorkItem.created_at,
      WorkItem.id)
Index("ix_work_item_department_appointment", WorkItem.department_id,
      WorkItem.dossier_due_date, WorkItem.id)
Index("ix_work_item_department_code", WorkItem.department_id, WorkItem.dossier_code)
# The period reports (engine/services/statistics.py, workload.py) read these columns of
# every dossier: from the index alone, in procedure order, not row by row from the table.
Index("ix_dossier_period", Dossier.procedure_id, Dossier.finished_at, Dossier.received_at,
      Dossier.status, Dossier.outcome, Dossier.decision, Dossier.channel, Dossier.due_date)
Index("ix_dossier_receipts", Dossier.received_at, Dossier.received_by_id)


class Timer(Base):
    """One row per waiting timer; the scheduler selects only rows that are due."""
    __tablename__ = "timer"
    __table_args__ = (UniqueConstraint("dossier_id", "task_id"),
                      Index("ix_timer_due", "fired_at", "fire_at"))
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id", ondelete="CASCADE"))
    task_id: Mapped[str] = mapped_column(String(40))
    element_id: Mapped[str] = mapped_column(String(100))
    fire_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    late_seconds: Mapped[float | None] = mapped_column()  # how long after fire_at it fired

    dossier: Mapped[Dossier] = relationship(lazy="select")


class DossierPause(Base):
    """A stop of the clock while the applicant supplements the dossier."""
    __tablename__ = "dossier_pause"
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id", ondelete="CASCADE"),
                                            index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    days_used: Mapped[int | None] = mapped_column(Integer)  # of the legal period, at the request
    due_before: Mapped[date] = mapped_column(Date)
    due_after: Mapped[date | None] = mapped_column(Date)  # recomputed on resubmission
    reason: Mapped[str] = mapped_column(Text, default="")

    # the supplement requests of a period (statistics)
    __table_args__ = (Index("ix_dossier_pause_requested", "requested_at", "dossier_id"),)


class Apology(Base):
    """The apology slip of a late dossier, with its new appointment (set only once)."""
    __tablename__ = "apology"
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id", ondelete="CASCADE"),
                                            unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text)
    due_before: Mapped[date] = mapped_column(Date)
    new_appointment_at: Mapped[datetime] = mapped_column(UTCDateTime())
