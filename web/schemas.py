"""Marshmallow schemas at the edge: forms and JSON are loaded here, never deeper."""
from __future__ import annotations

import re
from itertools import zip_longest

from flask_babel import lazy_gettext as _l
from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)

from engine.services.dossiers import APPLICANT_KINDS, CHANNELS
from engine.services.ratings import COMMENT_MAX, LEVELS
from engine.services.returns import FEE_MAX, METHODS

MAX_ITEMS = 30


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


class SupplementRequestIn(Schema):
    """The completion of a step whose outcome asks the applicant for a supplement: the
    items (one per form row: `item_document`, `item_needed`) and the reason (the note).
    A request needs its items or at least its reason; a half-filled row is refused."""
    class Meta:
        unknown = EXCLUDE

    items = fields.List(fields.Dict(), load_default=list)
    note = fields.String(load_default="")

    @pre_load
    def rows(self, form, **_kwargs):
        """Pair the row inputs; rows left blank are dropped."""
        if not hasattr(form, "getlist"):
            return form
        pairs = zip_longest(form.getlist("item_document"), form.getlist("item_needed"),
                            fillvalue="")
        rows = [{"document": d.strip(), "needed": n.strip()} for d, n in pairs
                if d.strip() or n.strip()]
        return {"items": rows, "note": form.get("note", "").strip()}

    @validates_schema
    def complete_rows(self, data, **_kwargs):
        if not data["items"] and not data["note"]:
            raise ValidationError(_l("list the documents the applicant must supplement and "
                                     "give the reason in the note"), "items")
        if len(data["items"]) > MAX_ITEMS:
            raise ValidationError(_l("at most %(n)d items", n=MAX_ITEMS), "items")
        for n, row in enumerate(data["items"], 1):
            missing = [_l("the document") if not row["document"] else None,
                       _l("what is needed") if not row["needed"] else None]
            if any(missing):
                raise ValidationError(_l("row %(n)d: %(what)s is missing", n=n,
                                         what=next(m for m in missing if m)), "items")
            if len(row["document"]) > 300 or len(row["needed"]) > 1000:
                raise ValidationError(_l("row %(n)d is too long", n=n), "items")


class ReturnIn(Schema):
    """The return of the result: what, to whom, how, the fee; the rating if the applicant
    gave one."""
    class Meta:
        unknown = EXCLUDE

    result_document = fields.String(required=True, validate=validate.Length(
        min=1, max=400, error=_l("say which result document was delivered")))
    recipient_name = fields.String(required=True, validate=validate.Length(
        min=2, max=200, error=_l("give the name of the person who received the result")))
    recipient_id_number = fields.String(load_default="", validate=validate.Length(max=40))
    method = fields.String(required=True, validate=validate.OneOf(
        METHODS, error=_l("choose how the result was delivered")))
    fee_vnd = fields.Integer(required=True, strict=False, validate=validate.Range(
        min=0, max=FEE_MAX, error=_l("the fee collected is an amount in VND, 0 or more")),
        error_messages={"invalid": _l("the fee collected is a whole amount in VND"),
                        "required": _l("give the fee collected (0 if none)")})
    rating = fields.String(load_default="", validate=validate.OneOf(
        ("", *LEVELS), error=_l("unknown rating")))
    rating_comment = fields.String(load_default="", validate=validate.Length(max=COMMENT_MAX))

    @pre_load
    def tidy(self, form, **_kwargs):
        """Trim the texts; the fee may be written with thousands separators (1.500.000)."""
        flat = form.to_dict() if hasattr(form, "to_dict") else dict(form)
        data = {k: v.strip() if isinstance(v, str) else v for k, v in flat.items()
                if k in self.fields}
        if isinstance(data.get("fee_vnd"), str):
            data["fee_vnd"] = re.sub(r"[.,\s]", "", data["fee_vnd"])
            if data["fee_vnd"] == "":
                del data["fee_vnd"]
        return data

    @post_load
    def split(self, data, **_kwargs):
        level, comment = data.pop("rating"), data.pop("rating_comment")
        return {"delivery": data,
                "rating": {"level": level, "comment": comment} if level else None}


class RatingIn(Schema):
    class Meta:
        unknown = EXCLUDE

    rating = fields.String(required=True, validate=validate.OneOf(
        LEVELS, error=_l("unknown rating")))
    rating_comment = fields.String(load_default="", validate=validate.Length(max=COMMENT_MAX))
