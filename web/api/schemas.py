"""The API's marshmallow schemas: `<Thing>In` loads a request, `<Thing>Out` dumps a response.

Unknown fields are refused, in a body as in a query string: a typo is a 422, never silently
ignored.
"""
from __future__ import annotations

from datetime import date

from marshmallow import RAISE, Schema, fields, validate

from bpmn.catalog import FIELDS
from bpmn.xml import MAX_DIAGRAM_BYTES
from engine.services.queue import SORTS, TABS
from engine.services.ratings import COMMENT_MAX, LEVELS
from engine.services.returns import FEE_MAX, METHODS
from engine.services.stops import KINDS as STOP_KINDS
from engine.services.stops import REASON_MAX as STOP_REASON_MAX
from engine.services.versions import CHANGE_NOTE_LENGTH

from ..schemas import ApplicantIn, ReceiveIn
from .dump import Out

MAX_PAGE = 100_000
MAX_PER_PAGE = 100


class StrictIn(Schema):
    class Meta:
        unknown = RAISE


# --- tokens ------------------------------------------------------------------


class TokenIn(StrictIn):
    username = fields.String(required=True, validate=validate.Length(min=1, max=80))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))


class UserOut(Schema):
    username = fields.String()
    full_name = fields.String()
    roles = fields.List(fields.String())
    department = fields.String(allow_none=True)


class TokenOut(Schema):
    token = fields.String(required=True)
    token_type = fields.String(dump_default="Bearer", metadata={"example": "Bearer"})
    expires_at = fields.DateTime(required=True)
    user = fields.Nested(UserOut)


# --- pages -------------------------------------------------------------------


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=MAX_PER_PAGE))


class PageOut(Out):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    has_next = fields.Boolean(required=True)


# --- procedures and versions ---------------------------------------------------


class ProcedureArgs(PageArgs):
    field = fields.String(validate=validate.OneOf(FIELDS))


class ProcedureOut(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    field = fields.String()
    department = fields.String()
    legal_days = fields.Integer()
    day_kind = fields.String(metadata={"description": "working or calendar days"})
    fee = fields.String()
    result_document = fields.String()
    documents = fields.List(fields.Dict())
    published_version = fields.Integer(allow_none=True)


class ProcedurePageOut(PageOut):
    items = fields.List(fields.Nested(ProcedureOut), required=True)


class VersionIn(StrictIn):
    bpmn_xml = fields.String(required=True, validate=validate.Length(
        min=1, max=MAX_DIAGRAM_BYTES), metadata={"description": "the BPMN 2.0 XML text"})
    change_note = fields.String(load_default="", validate=validate.Length(
        max=CHANGE_NOTE_LENGTH))
    file_name = fields.String(load_default="", validate=validate.Regexp(
        r"^[\w.() -]{0,200}$", error="letters, digits, spaces and . _ - ( ) only"),
        metadata={"description": "names the file in located problems"})


class VersionOut(Schema):
    procedure = fields.String()
    number = fields.Integer()
    status = fields.String()
    sha256 = fields.String()
    change_note = fields.String()
    created_at = fields.DateTime()
    report = fields.Dict(metadata={
        "description": "the import's report: conversions made and warnings, located"})


# --- dossiers ----------------------------------------------------------------


class DossierIn(ReceiveIn):
    """What the counter takes in: the procedure, the applicant, how it came and the
    documents handed over (names from the procedure's list)."""
    class Meta:
        unknown = RAISE

    applicant = fields.Nested(ApplicantIn, required=True)
    documents = fields.List(fields.String(validate=validate.Length(max=400)),
                            load_default=list, validate=validate.Length(max=100))


class ApplicantOut(Out):
    name = fields.String()
    kind = fields.String()
    id_number = fields.String()
    address = fields.String()
    phone = fields.String()
    email = fields.String()


class TaskOut(Out):
    id = fields.Integer()
    dossier_code = fields.String()
    procedure = fields.String()
    step_id = fields.String()
    step_name = fields.String()
    step_name_en = fields.String()
    action = fields.String(allow_none=True)
    role = fields.String()
    assignee_id = fields.Integer(allow_none=True)
    claimed_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    due_at = fields.DateTime(allow_none=True)
    dossier_due_date = fields.Date()
    applicant_name = fields.String()
    warned = fields.Boolean()
    escalated = fields.Boolean()


class TaskDetailOut(TaskOut):
    outcomes = fields.List(fields.String(), metadata={"description": "offered at this step"})
    dossier_version = fields.Integer(metadata={"description": "send it back to complete"})


class TaskPageOut(PageOut):
    items = fields.List(fields.Nested(TaskOut), required=True)


class DossierOut(Out):
    code = fields.String()
    procedure = fields.String()
    procedure_name = fields.String()
    process_version = fields.Integer()
    applicant = fields.Nested(ApplicantOut)
    channel = fields.String()
    status = fields.String()
    decision = fields.String(allow_none=True)
    received_at = fields.DateTime()
    due_date = fields.Date()
    appointment_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    outcome = fields.String(allow_none=True, metadata={"description": "early, on_time, late"})
    version = fields.Integer(metadata={"description": "send it back to complete a task"})
    data = fields.Dict()
    open_tasks = fields.List(fields.Nested(TaskOut))


class EventOut(Schema):
    id = fields.Integer()
    at = fields.DateTime()
    actor = fields.String(attribute="actor_name")
    action = fields.String()
    step_id = fields.String()
    before = fields.Dict()
    after = fields.Dict()
    reason = fields.String()
    hash = fields.String()


class EventPageOut(PageOut):
    items = fields.List(fields.Nested(EventOut), required=True)


# --- tasks -------------------------------------------------------------------


class TaskArgs(PageArgs):
    tab = fields.String(load_default="mine", validate=validate.OneOf(TABS))
    procedure = fields.String(validate=validate.Length(max=40))
    field = fields.String(validate=validate.OneOf(FIELDS))
    waiting = fields.String(validate=validate.OneOf(("supplement", "work")))
    due = fields.String(validate=validate.OneOf(("soon", "overdue")))
    q = fields.String(load_default="", validate=validate.Length(max=100))
    sort = fields.String(load_default="due", validate=validate.OneOf(tuple(SORTS)))


class SupplementItemIn(StrictIn):
    document = fields.String(required=True, validate=validate.Length(min=1, max=300))
    needed = fields.String(required=True, validate=validate.Length(min=1, max=1000))


class DeliveryIn(StrictIn):
    result_document = fields.String(required=True, validate=validate.Length(min=1, max=400))
    recipient_name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    recipient_id_number = fields.String(load_default="", validate=validate.Length(max=40))
    method = fields.String(required=True, validate=validate.OneOf(METHODS))
    fee_vnd = fields.Integer(required=True, strict=True, validate=validate.Range(0, FEE_MAX))


class RatingIn(StrictIn):
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    comment = fields.String(load_default="", validate=validate.Length(max=COMMENT_MAX))


class CompleteIn(StrictIn):
    outcome = fields.String(required=True, validate=validate.Length(min=1, max=40))
    note = fields.String(load_default="", validate=validate.Length(max=4000))
    version = fields.Integer(required=True, strict=True, metadata={
        "description": "the dossier version the decision was taken on; a stale one is 409"})
    supplement_items = fields.List(fields.Nested(SupplementItemIn), validate=validate.Length(
        min=1, max=30), metadata={"description": "required with the outcome 'supplement'"})
    delivery = fields.Nested(DeliveryIn, metadata={
        "description": "required at the step that returns the result"})
    rating = fields.Nested(RatingIn, metadata={"description": "the applicant's, at the return"})


class StopIn(StrictIn):
    kind = fields.String(required=True, validate=validate.OneOf(STOP_KINDS), metadata={
        "description": "withdrawn (at the applicant's written request) or stopped (by the "
                       "agency: a head of the dossier's department or a leader)"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=STOP_REASON_MAX))
    version = fields.Integer(required=True, strict=True, metadata={
        "description": "the dossier version the decision was taken on; a stale one is 409"})
    requested_on = fields.Date(metadata={
        "description": "the date of the applicant's written request (withdrawn; by default "
                       "today)"})


# --- reports -----------------------------------------------------------------


PERIOD_RANGE = validate.Range(min=date(2000, 1, 1), max=date(2099, 12, 31))
# the years the range allows, said in the OpenAPI document too
PERIOD_DAY = r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


class PeriodArgs(Schema):
    from_ = fields.Date(required=True, data_key="from", validate=PERIOD_RANGE,
                        metadata={"example": "2026-03-01", "pattern": PERIOD_DAY})
    to = fields.Date(required=True, validate=PERIOD_RANGE,
                     metadata={"example": "2026-03-31", "pattern": PERIOD_DAY})


class CountsOut(Schema):
    carried_over = fields.Integer()
    received = fields.Integer()
    resolved = fields.Integer()
    resolved_early = fields.Integer()
    resolved_on_time = fields.Integer()
    resolved_late = fields.Integer()
    in_progress = fields.Integer()
    in_progress_within = fields.Integer()
    in_progress_late = fields.Integer()
    received_online = fields.Integer()
    received_counter = fields.Integer()
    received_post = fields.Integer()
    refused = fields.Integer(metadata={"description": "resolved with a refusal"})
    withdrawn = fields.Integer(metadata={"description": "withdrawn or stopped"})
    supplement_requests = fields.Integer()
    on_time_rate = fields.Float(allow_none=True,
                                metadata={"description": "(early + on time) / resolved"})
    very_satisfied = fields.Integer()
    satisfied = fields.Integer()
    not_satisfied = fields.Integer()
    satisfied_share = fields.Float(allow_none=True, metadata={
        "description": "(very satisfied + satisfied) / ratings given in the period"})


class ProcedureCountsOut(CountsOut):
    procedure = fields.String()


class GroupCountsOut(CountsOut):
    code = fields.String()
    name = fields.String()


class StatisticsOut(Schema):
    from_ = fields.Date(attribute="start", data_key="from")
    to = fields.Date(attribute="end")
    as_of = fields.DateTime()
    total = fields.Nested(CountsOut)
    by_procedure = fields.List(fields.Nested(ProcedureCountsOut))
    by_field = fields.List(fields.Nested(GroupCountsOut))
    by_department = fields.List(fields.Nested(GroupCountsOut))
