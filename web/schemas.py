"""Marshmallow schemas at the edge: forms and JSON are loaded here, never deeper."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from engine.services.dossiers import APPLICANT_KINDS, CHANNELS


class ApplicantIn(Schema):
    class Meta:
        unknown = EXCLUDE

    kind = fields.String(load_default="person", validate=validate.OneOf(APPLICANT_KINDS))
    name = fields.String(required=True, validate=validate.Length(min=2, max=300))
    id_number = fields.String(load_default="", validate=validate.Length(max=40))
    address = fields.String(load_default="", validate=validate.Length(max=400))
    phone = fields.String(load_default="", validate=validate.Regexp(
        r"^[0-9 +().-]{0,40}$", error="digits, spaces and + ( ) . - only"))
    email = fields.String(load_default="", validate=validate.Length(max=200))


class ReceiveIn(Schema):
    class Meta:
        unknown = EXCLUDE

    procedure_code = fields.String(required=True, validate=validate.Length(min=1, max=40))
    channel = fields.String(load_default="counter", validate=validate.OneOf(CHANNELS))
    note = fields.String(load_default="", validate=validate.Length(max=2000))
    sets = fields.Integer(load_default=1, strict=False, validate=validate.Range(min=1, max=50))
    result_delivery = fields.String(load_default="counter",
                                    validate=validate.OneOf(("counter", "post")))


class CompleteIn(Schema):
    class Meta:
        unknown = EXCLUDE

    outcome = fields.String(required=True, validate=validate.Length(min=1, max=40))
    note = fields.String(load_default="", validate=validate.Length(max=4000))
    version = fields.Integer(required=True, strict=False)
