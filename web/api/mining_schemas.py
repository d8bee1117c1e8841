"""Schemas of the process-mining routes: the conformance check's arguments and result."""
from __future__ import annotations

from marshmallow import fields, validate

from engine.services.conformance import KINDS

from .schemas import PeriodArgs, StrictIn


class ConformanceArgs(PeriodArgs, StrictIn):
    procedure = fields.String(validate=validate.Length(min=1, max=40),
                              metadata={"description": "only this procedure's dossiers",
                                        "example": "BQL.DT.01"})


class DeviationOut(StrictIn):
    kind = fields.String(metadata={"enum": list(KINDS)})
    event_id = fields.Integer(allow_none=True, metadata={
        "description": "the audit event; null for the end state"})
    step = fields.String()
    detail = fields.String()


class DossierCheckOut(StrictIn):
    code = fields.String()
    procedure = fields.String()
    version = fields.Integer()
    events = fields.Integer(metadata={"description": "audit events replayed"})
    deviations = fields.List(fields.Nested(DeviationOut))


class ConformanceOut(StrictIn):
    start = fields.Date(data_key="from")
    end = fields.Date(data_key="to")
    checked = fields.Integer()
    conforming = fields.Integer()
    seconds = fields.Float(metadata={"description": "time the replay took"})
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    deviating = fields.List(fields.Nested(DossierCheckOut), metadata={
        "description": "the dossiers with at least one deviation, in receipt order"})
