"""The process-control slip of a dossier (form 05) and the dossier tracking book of a period
(form 06): printable pages, and the same HTML as PDF with `?format=pdf` (web/pdf.py)."""
from __future__ import annotations

from datetime import timedelta

from flask import Response, abort, render_template, request

from engine import clock
from engine.calendar import VN_TZ
from engine.errors import InvalidInput
from engine.services import tracking_book as books
from engine.services.auditlog import parse_period
from engine.services.handovers import control_slip as slip_of

from ..database import db
from ..officer.common import READER_ROLES, readable_dossier
from ..pdf import PdfUnavailable, html_to_pdf, pdf_response
from ..security import actor, roles_required
from . import bp
from .labels import AREA_ROLES

BOOK_PAGE = 50
# Lines in one PDF file: WeasyPrint lays out some 10 lines a second on a loaded 2-core
# machine, so a longer book comes as several parts, each within a web worker's timeout.
PDF_PART = 200


@bp.get("/dossiers/<code>/control-slip")
@roles_required(*READER_ROLES)
def control_slip(code: str):
    dossier = readable_dossier(code, actor())
    pdf = request.args.get("format") == "pdf"
    html = render_template("audit/control_slip.html", slip=slip_of(db(), dossier),
                           dossier=dossier, pdf=pdf)
    return _as_pdf(html, f"{dossier.code}-control-slip.pdf") if pdf else html


@bp.get("/tracking-book")
@roles_required(*AREA_ROLES)
def tracking_book():
    session = db()
    pdf = request.args.get("format") == "pdf"
    raw = {k: request.args.get(k, "") for k in ("from", "to")}
    try:
        start, end = _period(raw)
        number = _page_number(request.args.get("page", "1"))
        part = _page_number(request.args.get("part", "1"), "part")
        if pdf:
            books.check_printable(start, end, books.count_lines(session, start, end))
    except InvalidInput as exc:
        field = next(iter(exc.details or {"": ""}))
        return render_template("audit/tracking_book.html", book=None, raw=raw, pdf=False,
                               error={"field": field, "message": exc.message}), 400
    if pdf:
        book = books.tracking_book(session, start, end, offset=(part - 1) * PDF_PART,
                                   limit=PDF_PART)
        if part > 1 and not book.lines:
            abort(404)
        html = render_template("audit/tracking_book.html", book=book, raw=raw, pdf=True,
                               error=None, part=part, parts=_parts(book.total))
        suffix = f"-{part}" if book.total > PDF_PART else ""
        return _as_pdf(html, f"tracking-book-{start:%Y%m%d}-{end:%Y%m%d}{suffix}.pdf")
    book = books.tracking_book(session, start, end, offset=(number - 1) * BOOK_PAGE,
                               limit=BOOK_PAGE)
    if number > 1 and not book.lines:
        abort(404)
    pages = max(1, -(-book.total // BOOK_PAGE))
    return render_template("audit/tracking_book.html", book=book, raw=raw, pdf=False,
                           error=None, page=number, pages=pages, parts=_parts(book.total),
                           printable=_printable(start, end, book.total),
                           period={"from": start.isoformat(), "to": end.isoformat()})


def _period(raw: dict):
    """The period asked for; by default the current month up to today."""
    start, end = parse_period(raw["from"], raw["to"])
    today = clock.now().astimezone(VN_TZ).date()
    if start is None:
        start = (end or today).replace(day=1)
    if end is None:
        end = max(start, today) if start.month == today.month and start.year == today.year \
            else _month_end(start)
    return start, end


def _month_end(day):
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def _page_number(value: str, field: str = "page") -> int:
    if not value.isdigit() or not 1 <= int(value) <= 100_000:
        raise InvalidInput(f"{field}: not a page number", {field: "not a number"})
    return int(value)


def _parts(total: int) -> int:
    return max(1, -(-total // PDF_PART))


def _printable(start, end, total: int) -> str | None:
    """None when the period prints, else why not (shown instead of the PDF links)."""
    try:
        books.check_printable(start, end, total)
    except InvalidInput as exc:
        return exc.message
    return None


def _as_pdf(html: str, filename: str):
    try:
        return pdf_response(html_to_pdf(html, request.url_root), filename)
    except PdfUnavailable as exc:
        return Response(str(exc), status=503, mimetype="text/plain")
