"""What a dossier carries beside its workflow: files attached at receipt, the return of its
result, and the applicant's rating of the service."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime


class Attachment(Base):
    """A file received with the dossier, stored under its sha256 (never its uploaded name)."""
    __tablename__ = "attachment"
    __table_args__ = (UniqueConstraint("dossier_id", "sha256"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id", ondelete="CASCADE"),
                                            index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))  # from the content, not the client
    size: Mapped[int] = mapped_column(Integer)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class DossierReturn(Base):
    """How the result was handed over: what, to whom, how, and the fee collected."""
    __tablename__ = "dossier_return"
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id", ondelete="CASCADE"),
                                            unique=True)
    returned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    result_document: Mapped[str] = mapped_column(String(400))
    recipient_name: Mapped[str] = mapped_column(String(200))
    recipient_id_number: Mapped[str] = mapped_column(String(40), default="")
    method: Mapped[str] = mapped_column(String(20))  # desk / post / online
    fee_vnd: Mapped[int] = mapped_column(BigInteger)


class Rating(Base):
    """The applicant's satisfaction with the service, one per dossier (for the reports)."""
    __tablename__ = "rating"
    # a period's ratings by procedure (statistics), from the index alone
    __table_args__ = (Index("ix_rating_period", "rated_at", "procedure_id", "level"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id", ondelete="CASCADE"),
                                            unique=True)
    # the dossier's, copied (as work items copy theirs): the reports count ratings by
    # procedure without reading a dossier row per rating
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"))
    level: Mapped[str] = mapped_column(String(20), index=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
