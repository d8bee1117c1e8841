"""Period statistics and the XES event log, for the quality manager, auditors and leaders."""
from __future__ import annotations

from flask import Response

from engine.clock import now
from engine.services.eventlog import xes_log
from engine.services.statistics import period_statistics

from ..database import db
from . import bp, guarded
from .schemas import PeriodArgs, StatisticsOut

REPORT_ROLES = ("quality", "auditor", "leader")


@bp.route("/statistics", methods=["GET"])
@guarded(*REPORT_ROLES)
@bp.doc(tags=["reports"])
@bp.arguments(PeriodArgs, location="query")
@bp.response(200, StatisticsOut)
def statistics(args):
    """Dossiers of a period (local days from..to): carried over, received (by channel),
    resolved early, on time or late (refused among them), withdrawn or stopped, in progress
    within or past the deadline at its end, supplement requests, on-time rate and ratings;
    by procedure, field and department"""
    found = period_statistics(db(), args["from_"], args["to"], now())
    return {"start": found.start, "end": found.end, "as_of": found.as_of,
            "total": _counts(found.total),
            "by_procedure": [{"procedure": code, **_counts(counts)}
                             for code, counts in found.by_procedure.items()],
            **{f"by_{grouping}": [{"code": row.key, "name": row.name, **_counts(row.counts)}
                                  for row in found.rows(grouping)]
               for grouping in ("field", "department")}}


def _counts(counts) -> dict:
    return {**vars(counts), "resolved": counts.resolved, "in_progress": counts.in_progress,
            "on_time_rate": counts.on_time_rate, "satisfied_share": counts.satisfied_share}


@bp.route("/eventlog.xes", methods=["GET"])
@guarded("quality", "auditor")
@bp.doc(tags=["reports"], responses={"200": {
    "description": "the XES (IEEE 1849-2016) log: a trace per dossier, an event per step",
    "content": {"application/xml": {"schema": {"type": "string"}}}}})
@bp.arguments(PeriodArgs, location="query")
def eventlog(args):
    """The events of a period (local days from..to) as an XES event log for process mining"""
    body = xes_log(db(), args["from_"], args["to"])
    name = f"motcua-{args['from_'].isoformat()}-{args['to'].isoformat()}.xes"
    return Response(body, mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
