"""What other pages show of the register: a dossier's nonconformities, for those who read it."""
from __future__ import annotations

from flask_login import current_user
from sqlalchemy import select

from engine.models import Dossier, Nonconformity
from engine.services.nonconformities import register_scope

from ..database import db
from .labels import STATUS

REGISTER_READERS = ("quality", "auditor", "leader", "head")


def nonconformities_of(dossier: Dossier) -> list[Nonconformity]:
    if not current_user.is_authenticated or not current_user.user.has_role(*REGISTER_READERS):
        return []
    query = select(Nonconformity).where(Nonconformity.dossier_id == dossier.id)
    scope = register_scope(current_user.user)
    if scope is not None:
        query = query.where(scope)
    return list(db().execute(query.order_by(Nonconformity.id)).scalars())


def register_helpers() -> dict:
    return {"nonconformities_of": nonconformities_of, "nonconformity_status": STATUS}
