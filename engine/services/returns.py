"""The return of a dossier's result: what was delivered, to whom, how, and the fee.

`complete_return` completes the `return`-action step (through `complete_task`, in the same
transaction) with the delivery checked first, so a refused delivery changes nothing; the
delivery and an optional rating go into the task data and the step's `complete` audit event,
and are kept in `dossier_return` and `rating`.
"""
from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bpmn.vocabulary import fold

from ..errors import InvalidInput
from ..models import Dossier, DossierReturn, User, WorkItem
from . import dossiers, ratings
from .dossiers import complete_task

METHODS = ("desk", "post", "online")
FEE_MAX = 10**12  # VND
REFUSAL_DOCUMENT = "Văn bản từ chối giải quyết hồ sơ"
LIMITS = {"result_document": 400, "recipient_name": 200, "recipient_id_number": 40}
_FEE = re.compile(r"^\s*(\d{1,3}(?:[.,]\d{3})*|\d+)\s*(?:đồng|vnđ|vnd|đ)\b", re.IGNORECASE)


def check_delivery(delivery: dict) -> dict:
    """The delivery as stored, or InvalidInput naming the field."""
    found = {key: str(delivery.get(key) or "").strip() for key in LIMITS}
    if not found["result_document"]:
        raise InvalidInput("say which result document was delivered",
                           {"result_document": "required"})
    if len(found["recipient_name"]) < 2:
        raise InvalidInput("give the name of the person who received the result",
                           {"recipient_name": "required"})
    for key, limit in LIMITS.items():
        if len(found[key]) > limit:
            raise InvalidInput(f"{key.replace('_', ' ')} is longer than {limit} characters",
                               {key: "too long"})
    method = delivery.get("method")
    if method not in METHODS:
        raise InvalidInput(f"unknown way of delivery {method!r}: one of {', '.join(METHODS)}",
                           {"method": list(METHODS)})
    fee = delivery.get("fee_vnd")
    if not isinstance(fee, int) or isinstance(fee, bool):
        raise InvalidInput("the fee collected must be a whole amount in VND (0 if none)",
                           {"fee_vnd": "required"})
    if not 0 <= fee <= FEE_MAX:
        raise InvalidInput("the fee collected cannot be negative" if fee < 0 else
                           "the fee collected is implausibly large", {"fee_vnd": "out of range"})
    return {**found, "method": method, "fee_vnd": fee}


def complete_return(session: Session, actor: User, now: datetime, work_item_id: int, *,
                    outcome: str, delivery: dict, rating: dict | None = None, note: str = "",
                    expected_version: int | None = None,
                    task: dossiers.OpenTask | None = None) -> Dossier:
    """`task`: what `dossiers.open_task` gave the caller for this item in this transaction."""
    task = task or dossiers.open_task(session, work_item_id)
    if task is not None and task.item.action != "return":
        raise InvalidInput("this step does not return the result", {"step": task.item.step_id})
    delivery = check_delivery(delivery)
    rating = ratings.check_rating(**rating) if rating else None
    data = {"delivery": delivery, **({"rating": rating} if rating else {})}
    dossier = complete_task(session, actor, now, work_item_id, outcome=outcome, note=note,
                            data=data, expected_version=expected_version, task=task)
    session.add(DossierReturn(dossier_id=dossier.id, returned_at=now, returned_by_id=actor.id,
                              **delivery))
    session.flush()
    if rating:
        ratings.record_rating(session, actor, now, dossier, **rating)
    return dossier


def return_of(session: Session, dossier_id: int) -> DossierReturn | None:
    return session.execute(select(DossierReturn).where(DossierReturn.dossier_id == dossier_id)
                           ).scalar_one_or_none()


def default_fee(fee_text: str) -> int | None:
    """The amount of a procedure's fee text ("3.000.000 đồng", "Không thu phí" -> 0), or None
    when the text gives no single amount (the officer types it)."""
    folded = fold(fee_text or "")
    if "khong thu" in folded or "mien phi" in folded:
        return 0
    found = _FEE.match(fee_text)
    return int(re.sub(r"[.,]", "", found.group(1))) if found else None


def default_delivery(dossier: Dossier) -> dict:
    """What the return form proposes: the procedure's result (the written refusal for a
    refused dossier, with no fee), the applicant, the way the applicant asked for it at
    receipt, the procedure's fee."""
    if dossier.channel == "online":
        method = "online"
    else:
        method = "post" if (dossier.data or {}).get("result_delivery") == "post" else "desk"
    refused = dossier.decision == "refuse"
    return {"result_document": REFUSAL_DOCUMENT if refused
            else dossier.procedure.result_document,
            "recipient_name": dossier.applicant_name,
            "recipient_id_number": dossier.applicant_id_number, "method": method,
            "fee_vnd": 0 if refused else default_fee(dossier.procedure.fee)}
