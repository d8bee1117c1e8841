"""The quality system's records: the register of nonconformities (ISO 9001:2015 clause 10.2)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime
from .dossiers import Dossier
from .people import User
from .procedures import Procedure

SOURCES = ("late_dossier", "complaint", "internal_audit", "other")
STATUSES = ("open", "in_progress", "closed")

_LATE = text("source = 'late_dossier'")


class Nonconformity(Base):
    """One nonconformity, from detection to the closure of its corrective action."""
    __tablename__ = "nonconformity"
    __table_args__ = (
        UniqueConstraint("year", "number"),
        # A late dossier opens one nonconformity, however often its lateness is noticed.
        Index("uq_nonconformity_late_dossier", "dossier_id", unique=True,
              sqlite_where=_LATE, postgresql_where=_LATE),
        Index("ix_nonconformity_register", "status", "detected_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # NC-2026-0001
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)  # restarts every year
    source: Mapped[str] = mapped_column(String(20), index=True)
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"), index=True)
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedure.id"), index=True)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # None: auto
    description: Mapped[str] = mapped_column(Text)
    cause: Mapped[str] = mapped_column(Text, default="")
    correction: Mapped[str] = mapped_column(Text, default="")
    corrective_action: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    due_date: Mapped[date | None] = mapped_column(Date)  # of the corrective action
    status: Mapped[str] = mapped_column(String(20))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    effectiveness: Mapped[str] = mapped_column(Text, default="")  # review of the action's effect
    version: Mapped[int] = mapped_column(Integer)

    dossier: Mapped[Dossier | None] = relationship(lazy="select")
    procedure: Mapped[Procedure | None] = relationship(lazy="select")
    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id], lazy="select")

    __mapper_args__ = {"version_id_col": version}


class NonconformitySequence(Base):
    """Last number used per year, locked while numbering so concurrent openings never clash."""
    __tablename__ = "nonconformity_sequence"
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer)
