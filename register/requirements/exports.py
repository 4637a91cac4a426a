"""XLSX and CSV exports of the requirement list and the statement of applicability (no Flask, no database)."""
import csv
import datetime as dt
import io
import re

# A spreadsheet runs a cell starting with one of these as a formula (CSV/formula injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The control characters an XLSX cell cannot hold (openpyxl's own ILLEGAL_CHARACTERS_RE, without importing it).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def neutralise(value):
    """Text a spreadsheet would run as a formula gets a leading apostrophe; control characters, which XLSX
    cannot hold (openpyxl refused the whole file), are dropped; other values pass unchanged."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


def xlsx_bytes(title: str, headers: list[str], rows: list[list]) -> bytes:
    """One sheet with a bold header row; dates stay dates (shown dd-mm-yyyy)."""
    # openpyxl is imported when a workbook is made, not at start-up
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    ws.append([neutralise(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([neutralise(v) for v in row])
    for column in ws.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, dt.date):
                cell.number_format = "DD-MM-YYYY"
    for index, header in enumerate(headers, start=1):
        width = max([len(str(header))] + [len(str(r[index - 1] or "")) for r in rows[:200]])
        ws.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 8), 60)
    ws.freeze_panes = "A2"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(headers: list[str], rows: list[list]) -> bytes:
    """Semicolon-separated UTF-8 with BOM, as Danish Excel opens it; dates as ISO 8601 (YYYY-MM-DD)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v.isoformat() if isinstance(v, dt.date) else v)
                         for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
