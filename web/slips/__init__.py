"""Official slips (phiếu) as printable pages and PDF: the receipt and appointment slip
(form 01), the supplement request (02), the refusal (03), the apology and new appointment (04),
the notice that processing has stopped (new in Circular 03/2025/TT-VPCP).

Each slip is one template: the browser prints the page, `?format=pdf` renders the same HTML
through WeasyPrint. The slips carry the fields of the forms of Circular 01/2018/TT-VPCP.
A slip that does not apply to the dossier (no apology yet...) answers 404 with a page that
says so; an unknown dossier code, a plain 404.
"""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from engine.calendar import VN_TZ
from engine.deadlines import apology_of
from engine.models import Dossier, User
from engine.services.stops import stop_of

from ..database import db
from ..officer.common import READER_ROLES, readable_dossier
from ..pdf import PdfUnavailable, html_to_pdf, pdf_response
from ..qr import qr_svg_data_uri
from ..security import actor, roles_required
from .records import refusal as refusal_of
from .records import supplement_requests

bp = Blueprint("slips", __name__, url_prefix="/slips")

COPIES = (("Liên 1: Lưu tại Bộ phận Một cửa cùng Phiếu kiểm soát quá trình",
           "Copy 1: kept at the one-stop desk with the process-control slip"),
          ("Liên 2: Giao cho tổ chức, cá nhân nộp hồ sơ", "Copy 2: for the applicant"))


def _dossier(code: str) -> Dossier:
    return readable_dossier(code, actor())


def tracking_entry(dossier: Dossier) -> tuple[str, int]:
    """Book (the year of receipt) and serial number of the dossier in the tracking book."""
    year = dossier.received_at.astimezone(VN_TZ).year
    start, end = (datetime(y, 1, 1, tzinfo=VN_TZ) for y in (year, year + 1))
    serial = db().execute(select(func.count()).select_from(Dossier).where(
        Dossier.received_at >= start, Dossier.received_at < end,
        Dossier.id <= dossier.id)).scalar_one()
    return str(year), serial


@bp.get("/receipt/<code>")
@roles_required(*READER_ROLES)
def receipt(code: str):
    dossier = _dossier(code)
    lookup_url = url_for("public.lookup_code", code=dossier.code, _external=True)
    officer = db().get(User, dossier.received_by_id) if dossier.received_by_id else None
    return _slip("slips/receipt.html", dossier, "receipt", copies=COPIES,
                 qr=qr_svg_data_uri(lookup_url), lookup_url=lookup_url, officer=officer,
                 book=tracking_entry(dossier))


@bp.get("/supplement/<code>")
@roles_required(*READER_ROLES)
def supplement(code: str):
    """The supplement request slip; `?n=` picks an earlier request (by default the last)."""
    dossier = _dossier(code)
    requests = supplement_requests(db(), dossier)
    if not requests:
        return _not_applicable(dossier, _("No supplement was requested for dossier %(code)s: "
                                          "there is no supplement request slip.", code=code))
    number = request.args.get("n", len(requests), type=int)
    if not 1 <= number <= len(requests):
        abort(404)
    guidance = current_app.config.get("GUIDANCE_CONTACT") or \
        f"Bộ phận Một cửa {current_app.config['AGENCY_NAME']}"
    return _slip("slips/supplement.html", dossier, f"supplement-{number}",
                 record=requests[number - 1], guidance=guidance)


@bp.get("/refusal/<code>")
@roles_required(*READER_ROLES)
def refusal(code: str):
    dossier = _dossier(code)
    record = refusal_of(db(), dossier)
    if record is None:
        return _not_applicable(dossier, _("Dossier %(code)s was not refused: there is no "
                                          "refusal slip.", code=code))
    return _slip("slips/refusal.html", dossier, "refusal", record=record)


@bp.get("/apology/<code>")
@roles_required(*READER_ROLES)
def apology(code: str):
    dossier = _dossier(code)
    found = apology_of(db(), dossier.id)
    if found is None:
        return _not_applicable(dossier, _("No apology was issued for dossier %(code)s yet: "
                                          "there is no apology slip.", code=code))
    return _slip("slips/apology.html", dossier, "apology", apology=found)


@bp.get("/stop/<code>")
@roles_required(*READER_ROLES)
def stop(code: str):
    """The notice that processing has stopped (withdrawn by the applicant or stopped by the
    agency: Decree 118/2025/NĐ-CP)."""
    dossier = _dossier(code)
    record = stop_of(db(), dossier)
    if record is None:
        return _not_applicable(dossier, _("The processing of dossier %(code)s was not stopped: "
                                          "there is no notice that processing has stopped.",
                                          code=code))
    return _slip("slips/stop.html", dossier, "stop", record=record)


def _slip(template: str, dossier: Dossier, name: str, **context):
    """The slip's page, or with `?format=pdf` the same HTML as a PDF."""
    pdf = request.args.get("format") == "pdf"
    html = render_template(template, dossier=dossier, pdf=pdf, **context)
    if not pdf:
        return html
    try:
        return pdf_response(html_to_pdf(html, request.url_root), f"{dossier.code}-{name}.pdf")
    except PdfUnavailable as exc:
        flash(str(exc), "error")
        args = {k: v for k, v in request.args.items() if k != "format"}
        return redirect(url_for(request.endpoint, code=dossier.code, **args))


def _not_applicable(dossier: Dossier, message: str):
    return render_template("slips/not_applicable.html", dossier=dossier, message=message), 404


@bp.app_template_filter("localparts")
def localparts(value: datetime) -> dict:
    """Hour, minute and date of a time in Vietnam, as the forms write them."""
    local = value.astimezone(VN_TZ)
    return {"hour": f"{local:%H}", "minute": f"{local:%M}", "date": f"{local:%d/%m/%Y}",
            "day": f"{local:%d}", "month": f"{local:%m}", "year": f"{local:%Y}"}


@bp.app_template_global("documents")
def documents(dossier: Dossier) -> list[dict]:
    """Documents received, with their form and count from the procedure's checklist."""
    checklist = {d["name"]: d for d in dossier.procedure.documents}
    found = []
    for doc in dossier.data.get("documents", []):
        name = doc["name"] if isinstance(doc, dict) else doc
        found.append({"form": "copy", "count": 1, **checklist.get(name, {}),
                      **(doc if isinstance(doc, dict) else {}), "name": name})
    return found
