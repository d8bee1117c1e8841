"""Process-mining exports (OCEL 2.0) and the conformance check, for auditors."""
from __future__ import annotations

import json

from flask import Response

from engine.services.conformance import check_conformance
from engine.services.ocel import ocel_log

from ..database import db
from . import bp, guarded
from .mining_schemas import ConformanceArgs, ConformanceOut
from .schemas import PeriodArgs

MINING_ROLES = ("quality", "auditor", "leader")
MAX_CHECKED = 3000  # dossiers replayed per request; more: 422, a shorter period


@bp.route("/ocel", methods=["GET"])
@guarded(*MINING_ROLES)
@bp.doc(tags=["reports"], responses={"200": {
    "description": "the OCEL 2.0 JSON log: dossiers, officers, departments, procedure versions "
                   "and apology slips, and the events relating them",
    "content": {"application/json": {"schema": {"type": "object"}}}}})
@bp.arguments(PeriodArgs, location="query")
def ocel(args):
    """The events of a period (local days from..to) as an object-centric event log (OCEL 2.0)"""
    body = json.dumps(ocel_log(db(), args["from_"], args["to"]), ensure_ascii=False)
    name = f"motcua-{args['from_'].isoformat()}-{args['to'].isoformat()}.jsonocel"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/conformance", methods=["GET"])
@guarded(*MINING_ROLES)
@bp.doc(tags=["reports"])
@bp.arguments(ConformanceArgs, location="query")
@bp.response(200, ConformanceOut)
def conformance(args):
    """The dossiers received in a period replayed on their own process version: how many
    conform, and each deviating dossier with its deviations and their audit events (at most
    3,000 dossiers per call: a period holding more is refused with 422)"""
    report = check_conformance(db(), args["from_"], args["to"],
                               procedure=args.get("procedure"), max_dossiers=MAX_CHECKED)
    return {"start": report.start, "end": report.end, "checked": len(report.checks),
            "conforming": len(report.checks) - len(report.deviating),
            "seconds": round(report.seconds, 3), "by_kind": report.by_kind,
            "deviating": [{"code": c.code, "procedure": c.procedure, "version": c.version,
                           "events": c.events, "deviations": [vars(d) for d in c.deviations]}
                          for c in report.deviating]}
