"""The report's tables as an XLSX workbook (a sheet per table, headings formatted, numbers
as numbers) and as CSV (one table, UTF-8 with a byte-order mark so Excel reads Vietnamese).

Sheet layout: row 1 the title and period, row 2 the group headings (merged over their
columns), row 3 the column headings, then one row per group and the total row."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from .tables import Table

HEADING_FILL = PatternFill("solid", fgColor="DDE6F0")
MARK_FILL = PatternFill("solid", fgColor="FDE2E1")
THIN = Side(style="thin", color="999999")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
FORMATS = {"percent": "0.0%", "days": "0.00", "int": "#,##0"}
FIRST_DATA_ROW = 4


def xlsx(tables: list[Table], title: str) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        _sheet(book.create_sheet(sheet_name(table.title)), table, title)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sheet_name(title: str, limit: int = 31) -> str:
    """Excel's sheet names hold 31 characters: cut a longer title between words."""
    if len(title) <= limit:
        return title
    return title[:limit + 1].rsplit(" ", 1)[0].rstrip(",;:")


def _sheet(sheet, table: Table, title: str) -> None:
    sheet.cell(1, 1, f"{table.title} — {title}").font = Font(bold=True, size=13)
    column = 1
    for group, span in table.heading_groups():
        cell = sheet.cell(2, column, group or None)
        if span > 1:
            sheet.merge_cells(start_row=2, start_column=column, end_row=2,
                              end_column=column + span - 1)
        column += span
    for n, col in enumerate(table.columns, 1):
        sheet.cell(3, n, col.label)
    for row in (2, 3):
        for cell in sheet[row][:len(table.columns)]:
            if hasattr(cell, "column_letter"):  # not the hidden part of a merged range
                cell.font, cell.fill, cell.border = Font(bold=True), HEADING_FILL, BOX
                cell.alignment = Alignment(wrap_text=True, horizontal="center",
                                           vertical="center")
    lines = [(values, marked) for values, marked in
             zip(table.rows, table.marked or [False] * len(table.rows), strict=True)]
    if table.total is not None:
        lines.append((table.total, False))
    for r, (values, marked) in enumerate(lines, FIRST_DATA_ROW):
        is_total = table.total is not None and r == FIRST_DATA_ROW + len(lines) - 1
        for n, (col, value) in enumerate(zip(table.columns, values, strict=True), 1):
            cell = sheet.cell(r, n, value)
            cell.border = BOX
            if col.kind in FORMATS:
                cell.number_format = FORMATS[col.kind]
            if is_total:
                cell.font = Font(bold=True)
            if marked:
                cell.fill = MARK_FILL
    for n, col in enumerate(table.columns, 1):
        sheet.column_dimensions[get_column_letter(n)].width = 38 if col.key == "name" or \
            col.key == "step" or col.key == "officer" else 14
    sheet.row_dimensions[3].height = 48
    sheet.freeze_panes = sheet.cell(FIRST_DATA_ROW, 3)


def csv_text(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"{c.group}: {c.label}" if c.group else c.label for c in table.columns])
    for values in [*table.rows, *([table.total] if table.total is not None else [])]:
        writer.writerow([_plain(c.kind, v) for c, v in zip(table.columns, values, strict=True)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _plain(kind: str, value) -> str:
    if value is None:
        return ""
    if kind == "percent":
        return f"{value * 100:.1f}"
    if kind == "days":
        return f"{value:.2f}"
    return str(value)
