"""Pages of the quality manager's area. The rules live in engine/services/versions.py."""
from __future__ import annotations

from datetime import date

from flask import Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from bpmn.compare import DiagramDiff
from bpmn.diagram import sha256_of
from bpmn.xml import MAX_DIAGRAM_BYTES
from engine.clock import now
from engine.errors import DomainError
from engine.models import Dossier, Procedure, ProcessVersion, User
from engine.services import moves, versions
from engine.services.procedures import deadline_working_days, diagram_for, version_in_force

from ..database import db
from ..formatting import bilingual
from ..security import actor, roles_required
from . import bp

READERS = ("quality", "auditor")
WRITERS = ("quality",)
MAX_FILES = 20


def _procedure(code: str) -> Procedure:
    found = db().execute(select(Procedure).where(Procedure.code == code)).scalar_one_or_none()
    if found is None:
        abort(404)
    return found


def _version(procedure: Procedure, number: int) -> ProcessVersion:
    found = db().execute(select(ProcessVersion).where(
        ProcessVersion.procedure_id == procedure.id,
        ProcessVersion.number == number)).scalar_one_or_none()
    if found is None:
        abort(404)
    return found


def _names() -> dict:
    return {u.id: u.full_name for u in db().execute(select(User)).scalars()}


def _act(action, *, success: str, back: str):
    """Run a service call, commit, flash; a domain error rolls back and says why."""
    session = db()
    try:
        result = action(session)
        session.commit()
    except versions.DiagramRefused as exc:
        session.rollback()
        flash(_("The diagram was refused: %(why)s", why=exc.message), "error")
        return redirect(back)
    except DomainError as exc:
        session.rollback()
        flash(exc.message, "error")
        return redirect(back)
    flash(success.format(result=result), "success")
    return redirect(back)


# --- lists ----------------------------------------------------------------------------------

@bp.get("/")
@roles_required(*READERS)
def procedures():
    session = db()
    at = now()
    rows = []
    counts = dict(session.execute(
        select(ProcessVersion.procedure_id, func.count())
        .where(ProcessVersion.status.in_(("draft", "submitted", "approved")))
        .group_by(ProcessVersion.procedure_id)).all())
    for procedure in session.execute(select(Procedure).order_by(Procedure.code)).scalars():
        rows.append((procedure, version_in_force(session, procedure, at),
                     counts.get(procedure.id, 0)))
    return render_template("quality/procedures.html", rows=rows)


@bp.get("/<procedure>")
@roles_required(*READERS)
def procedure(procedure: str):
    session = db()
    found = _procedure(procedure)
    at = now()
    in_force = version_in_force(session, found, at)
    today = versions.local_today(at)
    all_versions = versions.versions_of(session, found)
    open_dossiers = dict(session.execute(
        select(Dossier.process_version_id, func.count())
        .where(Dossier.procedure_id == found.id, Dossier.finished_at.is_(None))
        .group_by(Dossier.process_version_id)).all())
    return render_template(
        "quality/procedure.html", procedure=found, versions=all_versions, in_force=in_force,
        standing={v.id: versions.standing(v, in_force, today) for v in all_versions},
        names=_names(), open_dossiers=open_dossiers,
        deadline=deadline_working_days(found.legal_days, found.calendar_days),
        max_kib=MAX_DIAGRAM_BYTES // 1024, max_files=MAX_FILES)


@bp.get("/<procedure>/v<int:number>")
@roles_required(*READERS)
def version(procedure: str, number: int):
    session = db()
    found = _procedure(procedure)
    shown = _version(found, number)
    at = now()
    in_force = version_in_force(session, found, at)
    report = versions.check_diagram(found, shown.bpmn_xml, f"{found.code} v{number}")
    me = actor()
    return render_template(
        "quality/version.html", procedure=found, version=shown, names=_names(),
        standing=versions.standing(shown, in_force, versions.local_today(at)),
        events=versions.history(session, found, number), report=report,
        intact=sha256_of(shown.bpmn_xml) == shown.sha256,
        is_author=shown.created_by_id == me.id, may_write=me.has_role(*WRITERS),
        today=versions.local_today(at).isoformat(),
        others=[v.number for v in versions.versions_of(session, found) if v.number != number])


@bp.get("/<procedure>/v<int:number>.bpmn")
@roles_required(*READERS)
def download(procedure: str, number: int):
    found = _procedure(procedure)
    shown = _version(found, number)
    filename = f"{found.code}-v{number}.bpmn"
    return Response(shown.bpmn_xml.encode("utf-8"), mimetype="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "X-Content-SHA256": shown.sha256})


# --- the modeler ----------------------------------------------------------------------------

@bp.get("/<procedure>/v<int:number>/modeler")
@roles_required(*WRITERS)
def modeler(procedure: str, number: int):
    found = _procedure(procedure)
    shown = _version(found, number)
    updates = shown.status == "draft" and shown.created_by_id == actor().id
    return render_template("quality/modeler.html", procedure=found, version=shown,
                           updates=updates, names=_names(),
                           deadline=deadline_working_days(found.legal_days, found.calendar_days))


@bp.post("/<procedure>/drafts")
@roles_required(*WRITERS)
def save(procedure: str):
    """The modeler's save: JSON {xml, number (a draft to update) or based_on, change_note}."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("xml"), str):
        return jsonify(ok=False, message=_("Send the diagram as JSON {\"xml\": ...}.")), 400
    number, based_on = _int(body.get("number")), _int(body.get("based_on"))
    session = db()
    try:
        saved = versions.save_draft(
            session, actor(), now(), procedure_code=procedure, xml=body["xml"],
            number=number, based_on=based_on, change_note=str(body.get("change_note") or ""),
            file=f"{procedure} ({_('modeler')})")
        session.commit()
    except versions.DiagramRefused as exc:
        session.rollback()
        return jsonify(ok=False, message=_("Not saved: the diagram has problems."),
                       **exc.report.as_dict()), 422
    except DomainError as exc:
        session.rollback()
        return jsonify(ok=False, message=exc.message, problems=[], conversions=[]), exc.status
    number = saved.version.number
    if saved.unchanged:
        message = _("Nothing changed in draft %(n)s.", n=number)
    elif saved.created:
        message = _("Saved as draft %(n)s.", n=number)
    else:
        message = _("Draft %(n)s updated.", n=number)
    return jsonify(ok=True, message=message, number=number, created=saved.created,
                   sha256=saved.version.sha256,
                   version_url=url_for("quality.version", procedure=procedure, number=number),
                   modeler_url=url_for("quality.modeler", procedure=procedure, number=number),
                   xml=saved.report.xml if saved.report.conversions else None,
                   **saved.report.as_dict())


def _int(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


# --- uploads --------------------------------------------------------------------------------

@bp.post("/<procedure>/upload")
@roles_required(*WRITERS)
def upload(procedure: str):
    found = _procedure(procedure)
    files = [f for f in request.files.getlist("files") if f and f.filename]
    back = url_for("quality.procedure", procedure=found.code)
    if not files:
        flash(_("Choose one or more .bpmn files."), "error")
        return redirect(back)
    if len(files) > MAX_FILES:
        flash(_("At most %(n)s files at a time.", n=MAX_FILES), "error")
        return redirect(back)
    session = db()
    me, at = actor(), now()
    results = []
    note = request.form.get("change_note", "")
    for upload in files:
        name = upload.filename.replace("\\", "/").rsplit("/", 1)[-1][:200]
        data = upload.stream.read(MAX_DIAGRAM_BYTES + 1)  # one byte more tells it is too big
        try:
            saved = versions.save_draft(session, me, at, procedure_code=found.code, xml=data,
                                        file=name, change_note=note)
            results.append({"file": name, "report": saved.report, "version": saved.version,
                            "message": ""})
        except versions.DiagramRefused as exc:
            results.append({"file": name, "report": exc.report, "version": None,
                            "message": ""})
        except DomainError as exc:
            results.append({"file": name, "report": None, "version": None,
                            "message": exc.message})
    session.commit()
    return render_template("quality/import.html", procedure=found, results=results)


# --- transitions ----------------------------------------------------------------------------

def _transition(procedure: str, number: int, service, success: str, **fields):
    back = url_for("quality.version", procedure=procedure, number=number)
    expected = request.form.get("sha256") or None
    return _act(lambda s: service(s, actor(), now(), procedure_code=procedure, number=number,
                                  expected_sha256=expected, **fields),
                success=success, back=back)


@bp.post("/<procedure>/v<int:number>/submit")
@roles_required(*WRITERS)
def submit(procedure: str, number: int):
    return _transition(procedure, number, versions.submit,
                       _("Version %(n)s submitted for approval.", n=number))


@bp.post("/<procedure>/v<int:number>/approve")
@roles_required(*WRITERS)
def approve(procedure: str, number: int):
    return _transition(procedure, number, versions.approve, _("Version %(n)s approved.", n=number),
                       note=request.form.get("note", ""))


@bp.post("/<procedure>/v<int:number>/reject")
@roles_required(*WRITERS)
def reject(procedure: str, number: int):
    return _transition(procedure, number, versions.reject,
                       _("Version %(n)s sent back to its author.", n=number),
                       reason=request.form.get("reason", ""))


@bp.post("/<procedure>/v<int:number>/publish")
@roles_required(*WRITERS)
def publish(procedure: str, number: int):
    try:
        effective = date.fromisoformat(request.form.get("effective_from", ""))
    except ValueError:
        flash(_("Give the effective date as a date."), "error")
        return redirect(url_for("quality.version", procedure=procedure, number=number))
    return _transition(procedure, number, versions.publish,
                       _("Version %(n)s published, in force from %(d)s.", n=number,
                         d=effective.strftime("%d/%m/%Y")),
                       effective_from=effective, change_note=request.form.get("change_note", ""))


@bp.post("/<procedure>/v<int:number>/retire")
@roles_required(*WRITERS)
def retire(procedure: str, number: int):
    return _transition(procedure, number, versions.retire, _("Version %(n)s retired.", n=number),
                       reason=request.form.get("reason", ""))


# --- diff -----------------------------------------------------------------------------------

@bp.get("/<procedure>/diff")
@roles_required(*READERS)
def diff(procedure: str):
    session = db()
    found = _procedure(procedure)
    numbers = [v.number for v in versions.versions_of(session, found)]
    a = request.args.get("a", type=int)
    b = request.args.get("b", type=int)
    if a is None or b is None:
        b = numbers[0] if numbers else None
        a = numbers[1] if len(numbers) > 1 else b
    result: DiagramDiff | None = None
    if a in numbers and b in numbers:
        result = versions.diff_versions(session, found, a, b)
    return render_template("quality/diff.html", procedure=found, numbers=numbers, a=a, b=b,
                           diff=result)


# --- moving open dossiers -------------------------------------------------------------------

@bp.get("/<procedure>/migrate")
@roles_required(*WRITERS)
def migrate(procedure: str):
    session = db()
    found = _procedure(procedure)
    try:
        plan = moves.plan_migration(session, actor(), now(), procedure_code=found.code)
    except DomainError as exc:
        abort(exc.status if exc.status in (403, 404) else 400, exc.message)
    return render_template("quality/migrate.html", procedure=found, plan=plan, results=None,
                           steps=_step_names(plan))


@bp.post("/<procedure>/migrate")
@roles_required(*WRITERS)
def migrate_apply(procedure: str):
    found = _procedure(procedure)
    back = url_for("quality.migrate", procedure=found.code)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the confirmation to move the dossiers."), "error")
        return redirect(back)
    codes = request.form.getlist("codes")
    to_number = _int(request.form.get("to_number"))
    session = db()
    try:
        results = moves.migrate_dossiers(session, actor(), now(), procedure_code=found.code,
                                            to_number=to_number or 0, codes=codes)
        session.commit()
    except DomainError as exc:
        session.rollback()
        flash(exc.message, "error")
        return redirect(back)
    moved = sum(r.moved for r in results)
    flash(_("%(n)s dossier(s) moved to version %(v)s.", n=moved, v=to_number),
          "success" if moved else "error")
    plan = moves.plan_migration(session, actor(), now(), procedure_code=found.code)
    return render_template("quality/migrate.html", procedure=found, plan=plan, results=results,
                           steps=_step_names(plan))


def _step_names(plan: moves.MovePlan) -> dict[str, str]:
    if plan.target is None:
        return {}
    return {s.id: bilingual(s.name, s.name_en) for s in diagram_for(plan.target).steps.values()}
