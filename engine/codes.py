"""Dossier codes `<agency id>-<YYMMDD>-<NNNN>`, the sequence restarting daily (Circular 01/2018)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import DossierSequence


def next_dossier_code(session: Session, agency_code: str, day: date) -> str:
    key = day.strftime("%y%m%d")
    row = session.execute(select(DossierSequence).where(DossierSequence.day == key)
                          .with_for_update()).scalar_one_or_none()
    if row is None:
        row = DossierSequence(day=key, last=0)
        session.add(row)
    row.last += 1
    session.flush()  # a concurrent first receipt of the day fails here on the primary key
    return f"{agency_code}-{key}-{row.last:04d}"
