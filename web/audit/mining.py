"""Process-mining exports (XES, OCEL 2.0) and the conformance check, for auditors.

The page takes a period (and, for the check, a procedure). The downloads stream the same
documents as the API. The conformance check replays every dossier received in the period, so
it runs only when asked, and its deviating dossiers are shown a page at a time.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from flask import Response, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from engine.clock import now
from engine.errors import InvalidInput
from engine.models import Procedure
from engine.services.conformance import check_conformance
from engine.services.eventlog import xes_log
from engine.services.ocel import ocel_log
from engine.services.statistics import period_bounds

from ..database import db
from ..security import roles_required
from . import bp

MINING_ROLES = ("auditor", "quality", "leader")
PER_PAGE = 50
MAX_CHECKED = 3000  # dossiers replayed per request (about 40 s); more: a shorter period
KIND_LABELS = {
    "not_open": _l("A step recorded that was not open (skipped step or forged event)"),
    "outcome_not_offered": _l("An outcome the step does not offer"),
    "next_differs": _l("Next steps differ from the process"),
    "timer_not_waiting": _l("A timer fired that was not waiting"),
    "unknown_version": _l("A process version that does not exist"),
    "version_mismatch": _l("A process version that does not match the sha256 recorded"),
    "move_not_replayed": _l("A move between versions that cannot be replayed"),
    "engine_error": _l("The engine failed while replaying"),
    "end_state": _l("The stored state differs from the replayed one"),
}
FIELDS = {"from": _l("From"), "to": _l("To"), "procedure": _l("Procedure"),
          "page": _l("Page")}


@dataclass(frozen=True)
class MiningQuery:
    start: date
    end: date
    procedure: str | None
    page: int


def _query() -> MiningQuery:
    """The period (default: this month so far), the procedure and the page, checked."""
    today = now().date()
    values = {}
    for key, default in (("from", today.replace(day=1)), ("to", today)):
        raw = request.args.get(key, "").strip()
        try:
            values[key] = date.fromisoformat(raw) if raw else default
        except ValueError:
            raise InvalidInput(f"{raw[:20]!r} is not a date (yyyy-mm-dd)", {key: "invalid"}) \
                from None
    period_bounds(values["from"], values["to"])  # the statistics' limits: order, span, years
    procedure = request.args.get("procedure", "").strip() or None
    if procedure is not None and db().execute(select(Procedure.id).where(
            Procedure.code == procedure)).scalar_one_or_none() is None:
        raise InvalidInput(f"unknown procedure {procedure[:40]!r}", {"procedure": "unknown"})
    raw_page = request.args.get("page", "1")
    if not raw_page.isdigit() or not 1 <= int(raw_page) <= 100_000:
        raise InvalidInput("the page is a number from 1", {"page": "invalid"})
    return MiningQuery(values["from"], values["to"], procedure, int(raw_page))


def _error(exc: InvalidInput) -> dict:
    field = next(iter(exc.details), "") if isinstance(exc.details, dict) else ""
    return {"field": field, "label": FIELDS.get(field, field), "message": exc.message}


@bp.get("/mining")
@roles_required(*MINING_ROLES)
def mining():
    args = {k: request.args.get(k, "") for k in ("from", "to", "procedure")}
    procedures = list(db().execute(select(Procedure).order_by(Procedure.code)).scalars())
    try:
        query = _query()
    except InvalidInput as exc:
        return render_template("audit/mining.html", args=args, error=_error(exc), query=None,
                               report=None, procedures=procedures), 400
    args.update({"from": query.start.isoformat(), "to": query.end.isoformat()})
    report = None
    if request.args.get("check"):
        try:
            report = check_conformance(db(), query.start, query.end,
                                       procedure=query.procedure, max_dossiers=MAX_CHECKED)
        except InvalidInput as exc:
            return render_template("audit/mining.html", args=args, error=_error(exc),
                                   query=None, report=None, procedures=procedures), 400
    deviating = report.deviating if report else []
    first = (query.page - 1) * PER_PAGE
    return render_template("audit/mining.html", args=args, error=None, query=query,
                           report=report, procedures=procedures, kinds=KIND_LABELS,
                           shown=deviating[first:first + PER_PAGE], first=first,
                           pages=max(1, -(-len(deviating) // PER_PAGE)))


def _export(write, mimetype: str, suffix: str) -> Response:
    """The period's log as a file download, written by `write(session, start, end)`."""
    try:
        query = _query()
    except InvalidInput as exc:
        field = next(iter(exc.details), "") if isinstance(exc.details, dict) else ""
        return Response(f"{field}: {exc.message}\n", status=400, mimetype="text/plain")
    name = f"motcua-{query.start.isoformat()}-{query.end.isoformat()}.{suffix}"
    return Response(write(db(), query.start, query.end), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/mining/log.xes")
@roles_required(*MINING_ROLES)
def mining_xes():
    return _export(xes_log, "application/xml", "xes")


@bp.get("/mining/log.jsonocel")
@roles_required(*MINING_ROLES)
def mining_ocel():
    return _export(lambda *period: json.dumps(ocel_log(*period), ensure_ascii=False),
                   "application/json", "jsonocel")
