"""Procedures and their process versions (the BPMN text, immutable once published)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime
from .people import Department


class Procedure(Base):
    __tablename__ = "procedure"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(400))
    name_en: Mapped[str] = mapped_column(String(400), default="")
    field: Mapped[str] = mapped_column(String(40))  # investment, trade, labour, land, construction
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    legal_days: Mapped[int] = mapped_column(Integer)
    calendar_days: Mapped[bool] = mapped_column(Boolean, default=False)  # else working days
    restart_on_supplement: Mapped[bool] = mapped_column(Boolean, default=False)
    receipt_cutoff: Mapped[str | None] = mapped_column(String(5))  # "15:00"; else closing time
    fee: Mapped[str] = mapped_column(String(200), default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    result_document: Mapped[str] = mapped_column(String(400), default="")
    documents: Mapped[list] = mapped_column(JSON, default=list)  # required documents

    department: Mapped[Department] = relationship(lazy="joined")


class ProcessVersion(Base):
    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("procedure_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"))
    number: Mapped[int] = mapped_column(Integer)
    bpmn_xml: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    change_note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    effective_from: Mapped[date | None] = mapped_column(Date)

    procedure: Mapped[Procedure] = relationship(lazy="joined")
