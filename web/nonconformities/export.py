"""The register as an XLSX workbook, one row per nonconformity, in the interface language."""
from __future__ import annotations

from datetime import date
from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from engine.models import Nonconformity

from ..formatting import bilingual, localdate, localdt
from .labels import SOURCE, STATUS

OVERDUE_FILL = PatternFill("solid", fgColor="FDE2E1")


def _columns() -> list[tuple[str, int]]:
    return [(_("Number"), 14), (_("Detected"), 17), (_("Source"), 18), (_("Dossier code"), 26),
            (_("Procedure"), 40), (_("Description"), 50), (_("Cause"), 40),
            (_("Correction"), 40), (_("Corrective action"), 40), (_("Owner"), 22),
            (_("Due date of the action"), 14), (_("Status"), 18), (_("Closed"), 17),
            (_("Effectiveness of the action"), 40)]


def _row(nc: Nonconformity) -> list:
    procedure = nc.procedure
    return [nc.code, localdt(nc.detected_at), str(SOURCE.get(nc.source, nc.source)),
            nc.dossier.code if nc.dossier else "",
            f"{procedure.code} {bilingual(procedure.name, procedure.name_en)}" if procedure
            else "", nc.description, nc.cause, nc.correction, nc.corrective_action,
            nc.owner.full_name if nc.owner else "", localdate(nc.due_date),
            str(STATUS.get(nc.status, nc.status)), localdt(nc.closed_at), nc.effectiveness]


def workbook(found: list[Nonconformity], today: date) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Nonconformities")[:31]
    columns = _columns()
    sheet.append([title for title, _width in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, (_title, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for nc in found:
        sheet.append(_row(nc))
        overdue = nc.status != "closed" and nc.due_date is not None and nc.due_date < today
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # typed text beginning with "=" stays text, never a formula
                cell.data_type = "s"
            if overdue:
                cell.fill = OVERDUE_FILL
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions
    out = BytesIO()
    book.save(out)
    return out.getvalue()
