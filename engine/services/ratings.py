"""The applicant's rating of the service, taken at the return or later at the desk.

One rating per dossier, kept in the `rating` table for the satisfaction figures of the
reports; each is audited. Only a returned dossier is rated.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit
from ..calendar import VN_TZ
from ..errors import Conflict, Forbidden, InvalidInput
from ..models import Dossier, Rating, User

LEVELS = ("very_satisfied", "satisfied", "not_satisfied")
COMMENT_MAX = 2000


def check_rating(level: str, comment: str = "") -> dict:
    """The rating as stored, or InvalidInput saying what is wrong."""
    if level not in LEVELS:
        raise InvalidInput(f"unknown rating {level!r}: choose one of {', '.join(LEVELS)}",
                           {"rating": list(LEVELS)})
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise InvalidInput(f"the comment is longer than {COMMENT_MAX} characters",
                           {"rating_comment": "too long"})
    return {"level": level, "comment": comment}


def rating_of(session: Session, dossier_id: int) -> Rating | None:
    return session.execute(select(Rating).where(Rating.dossier_id == dossier_id)
                           ).scalar_one_or_none()


def rate(session: Session, actor: User, now: datetime, dossier_id: int, *, level: str,
         comment: str = "") -> Rating:
    """Record the rating of a dossier already returned (from its return page)."""
    from .dossiers import locked_dossier
    return record_rating(session, actor, now, locked_dossier(session, dossier_id),
                         level=level, comment=comment)


def record_rating(session: Session, actor: User, now: datetime, dossier: Dossier, *,
                  level: str, comment: str = "") -> Rating:
    """Record the rating of `dossier` (locked by the caller)."""
    if not actor.has_role("one_stop"):
        raise Forbidden("only a one-stop officer records the applicant's rating")
    checked = check_rating(level, comment)
    if dossier.finished_at is None:
        raise Conflict(f"dossier {dossier.code} has not been returned yet: the applicant rates "
                       "the service when the result is returned")
    if dossier.outcome is None:
        raise Conflict(f"dossier {dossier.code} was withdrawn or stopped: there is no result "
                       "to rate")
    existing = rating_of(session, dossier.id)
    if existing is not None:
        raise Conflict(f"dossier {dossier.code} was already rated on "
                       f"{existing.rated_at.astimezone(VN_TZ):%d/%m/%Y}: one rating per dossier")
    rating = Rating(dossier_id=dossier.id, procedure_id=dossier.procedure_id, rated_at=now,
                    recorded_by_id=actor.id, **checked)
    session.add(rating)
    session.flush()
    audit.record(session, at=now, actor=actor, action="rating", dossier=dossier,
                 after={"rating_id": rating.id, **checked}, reason=checked["comment"])
    return rating
