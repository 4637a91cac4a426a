"""XLSX and CSV exports of the requirement list and the statement of applicability (no Flask, no database)."""
import csv
import datetime as dt
import io
import re
import zipfile

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
    """One sheet with a bold header row; dates stay dates (shown dd-mm-yyyy).

    The workbook is written as its few XML parts directly: openpyxl made a cell object per value, checked
    each string again and serialised element by element, nine tenths of a 440-requirement export's time."""
    widths = [min(max(max([len(str(h))] + [len(str(r[i] or "")) for r in rows[:200]]) + 2, 8), 60)
              for i, h in enumerate(headers)]
    sheet = [_SHEET_START,
             '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
             'state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
             '<sheetFormatPr defaultRowHeight="15"/><cols>',
             *(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, start=1)),
             "</cols><sheetData>"]
    columns = [_column(i) for i in range(max([len(headers)] + [len(r) for r in rows]))]
    texts = {}
    sheet.append(_xlsx_row(1, headers, columns, texts, _BOLD))
    sheet += [_xlsx_row(n, row, columns, texts) for n, row in enumerate(rows, start=2)]
    sheet.append("</sheetData></worksheet>")
    parts = {**_XLSX_PARTS,
             "xl/workbook.xml": _WORKBOOK.format(name=_xml(title[:31])),
             "xl/worksheets/sheet1.xml": "".join(sheet)}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            # A fixed time stamp: the same data gives the same bytes. The fastest compression: the repetitive
            # XML still shrinks tenfold, and the default level took as long as writing the cells.
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), text.encode("utf-8"),
                             compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    return out.getvalue()


_BOLD, _DATE = 1, 2  # cell formats in the style sheet below
_EPOCH = dt.datetime(1899, 12, 30)  # day 0 of a spreadsheet's date serial numbers (1900 system)


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _column(index: int) -> str:
    """The letters of a column, 0-based: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xlsx_row(number: int, values: list, columns: list[str], texts: dict[str, str], style: int = 0) -> str:
    """A row's cells. `texts` holds each text written so far in the file as the end of its cell, so a text
    that repeats down the sheet (a catalogue, a status, a unit) is neutralised and escaped once."""
    cells = []
    s = f' s="{style}"' if style else ""
    for column, value in zip(columns, values, strict=False):
        if value is None:
            continue
        if type(value) is str:  # most cells
            end = texts.get(value)
            if end is None:
                end = texts[value] = _text_cell_end(neutralise(value))
            cells.append(f'<c r="{column}{number}"{s}{end}')
            continue
        ref = f"{column}{number}"
        if isinstance(value, bool):
            cells.append(f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, int | float):
            cells.append(f'<c r="{ref}"{s}><v>{value!r}</v></c>')
        elif isinstance(value, dt.datetime):  # shown as its day, like a date
            serial = (value.replace(tzinfo=None) - _EPOCH) / dt.timedelta(days=1)
            cells.append(f'<c r="{ref}" s="{_DATE}"><v>{serial!r}</v></c>')
        elif isinstance(value, dt.date):
            cells.append(f'<c r="{ref}" s="{_DATE}"><v>{(value - _EPOCH.date()).days}</v></c>')
        else:
            cells.append(f'<c r="{ref}"{s}{_text_cell_end(str(neutralise(value)))}')
    return f'<row r="{number}">{"".join(cells)}</row>'


def _text_cell_end(text: str) -> str:
    return f' t="inlineStr"><is><t xml:space="preserve">{_xml(text)}</t></is></c>'


_SHEET_START = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">')
_WORKBOOK = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
             '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             '<sheets><sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>')
_XLSX_PARTS = {
    "[Content_Types].xml":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>',
    "_rels/.rels":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
        '</Relationships>',
    "xl/_rels/workbook.xml.rels":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        '<Relationship Id="rId2" Target="styles.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"/>'
        '</Relationships>',
    # Formats: 0 plain, 1 bold (the header), 2 a date.
    "xl/styles.xml":
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<numFmts count="1"><numFmt numFmtId="164" formatCode="DD-MM-YYYY"/></numFmts>'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill>'
        '<fill><patternFill patternType="gray125"/></fill></fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>',
}


def csv_bytes(headers: list[str], rows: list[list]) -> bytes:
    """Semicolon-separated UTF-8 with BOM, as Danish Excel opens it; dates as ISO 8601 (YYYY-MM-DD)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v.isoformat() if isinstance(v, dt.date) else v)
                         for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
