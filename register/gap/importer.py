"""Import findings from an XLSX or CSV file: parse, plan (preview), then apply all rows or none.

The uploaded file is kept under the instance folder with a random token between preview and confirm,
and parsed again on confirm: rows are never taken back from the browser.

Files come from consultants as they deliver them: a title above the header row, Danish or English headers with
units in brackets, amounts and dates as offices write them. Hostile files are refused with a message before
they can exhaust the worker: the XLSX package's sizes are checked before any XML is parsed, openpyxl parses
with defusedxml (no entity expansion), and rows, columns and cells are bounded while reading.
"""
import csv
import datetime as dt
import io
import math
import re
import secrets
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from register.core.i18n import gettext as _, lazy_gettext as _l
from register.extensions import db
from register.gap.models import (Assessment, CostLevel, Finding, FindingSource, FindingStatus, ImportColumn,
                                 Severity, priority_for)
from register.gap.services import CIS_CATALOG, cis_controls, requirement_lookup, set_requirements
from register.organisation.models import Unit

EXTENSIONS = (".xlsx", ".csv")
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
UPLOAD_MAX_AGE = 24 * 3600  # seconds an unconfirmed upload is kept

# Bounds that keep one import's memory and time within what a worker can spare (README, "Import af fund").
MAX_ROWS = 20_000  # rows with content below the header row
MAX_COLUMNS = 200  # columns with content; Excel itself allows 16,384
HEADER_SCAN_ROWS = 30  # the header row is looked for among this many rows at the top of a sheet
MAX_SHEETS = 50
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
MAX_UNCOMPRESSED = 100 * 1024 * 1024  # bytes of XML in an XLSX package, all parts together
MAX_RATIO = 200  # uncompressed / compressed size of any large part; real sheets stay well under 100
MAX_PARTS = 2_000
MAX_AMOUNT = 2_000_000_000  # kr.; the column is a 32-bit integer
IGNORE = "ignore"
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# field -> (template header, accepted header variants, written as normalise_header() leaves them)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "external_id": ("Id", ("id", "fund id", "fundid", "finding id", "nr", "nummer", "lobenummer", "reference",
                           "ref", "fund nr", "id nr", "findings id", "fundnummer", "finding no", "no", "nr id",
                           "observation id", "obs nr")),
    "title": ("Titel", ("titel", "title", "overskrift", "fund", "finding", "navn", "name", "observation",
                        "fundets titel", "kort beskrivelse", "emne", "subject")),
    "description": ("Beskrivelse", ("beskrivelse", "description", "detaljer", "details", "uddybning",
                                    "fundbeskrivelse", "anbefaling", "recommendation", "bemaerkning", "bemaerkninger",
                                    "comments", "kommentar")),
    "controls": ("CIS-kontrol", ("cis kontrol", "cis kontroller", "cis control", "cis controls", "kontrol",
                                 "kontroller", "control", "controls", "cis", "cis v8", "cis v8 kontrol",
                                 "cis reference", "cis ref", "cis kontrolnummer")),
    "requirements": ("Krav", ("krav", "requirement", "requirements", "ovrige krav", "other requirements",
                              "nis2 krav", "kravreference")),
    "severity": ("Kritikalitet", ("kritikalitet", "criticality", "alvorlighed", "severity", "risiko", "risk",
                                  "alvorlighedsgrad", "risikoniveau", "risk level", "risikovurdering",
                                  "rating", "vurdering")),
    "cost": ("Omkostning", ("omkostning", "estimeret omkostning", "omkostninger", "cost", "estimated cost",
                            "pris", "udgift", "anslaet omkostning", "anslaede omkostninger", "forventet omkostning",
                            "budget", "belob", "estimat", "anslaet pris", "cost estimate", "investering",
                            "omkostningsestimat", "udgifter", "costs")),
    "effort": ("Indsats", ("indsats", "estimeret indsats", "ressourceforbrug", "effort", "estimated effort",
                           "tidsforbrug", "timer", "ressourcer", "anslaet indsats")),
    "unit": ("Ansvarlig enhed", ("ansvarlig enhed", "enhed", "unit", "responsible unit", "afdeling",
                                 "ansvarlig afdeling", "organisatorisk enhed", "forvaltning", "department",
                                 "ansvarligt omrade", "omrade")),
    "owner": ("Ejer", ("ejer", "owner", "ansvarlig", "ansvarlig person", "responsible", "tovholder",
                       "kontaktperson", "fundejer")),
    "due_on": ("Frist", ("frist", "deadline", "due date", "due", "forfaldsdato", "tidsfrist", "slutdato",
                         "tidsplan", "deadline dato", "target date", "skal vaere lost", "lukkes senest")),
    "status": ("Status", ("status", "state")),
    "closed_on": ("Lukket dato", ("lukket dato", "lukkedato", "lukket den", "closed date", "closed on",
                                  "closed", "dato lukket")),
    "closure_evidence": ("Dokumentation for lukning", ("dokumentation for lukning", "dokumentation",
                                                      "lukkedokumentation", "evidens", "closure evidence",
                                                      "evidence")),
}
REQUIRED = ("external_id", "title", "severity")

SEVERITY_WORDS = {
    Severity.CRITICAL: ("kritisk", "critical", "meget hoj", "very high", "4", "alvorlig", "severe", "meget alvorlig"),
    Severity.HIGH: ("hoj", "high", "3", "major", "vaesentlig", "betydelig", "significant"),
    Severity.MEDIUM: ("middel", "medium", "moderat", "moderate", "mellem", "2", "mindre hoj"),
    Severity.LOW: ("lav", "low", "1", "minor", "ringe", "mindre", "lille", "ubetydelig"),
}
COST_WORDS = {
    CostLevel.LOW: ("lav", "low", "lille", "small"),
    CostLevel.MEDIUM: ("middel", "medium", "mellem", "moderat"),
    CostLevel.HIGH: ("hoj", "high", "stor", "large"),
}
STATUS_WORDS = {
    FindingStatus.OPEN: ("aben", "open", "ny", "new", "ikke startet", "not started"),
    FindingStatus.IN_PROGRESS: ("i gang", "igang", "igangsat", "in progress", "started", "pabegyndt"),
    FindingStatus.CLOSED: ("lukket", "closed", "afsluttet", "done", "lost", "resolved", "faerdig"),
}

COST_BANDS = ((50_000, CostLevel.LOW), (250_000, CostLevel.MEDIUM))  # amount < limit -> level
# 2026-03-31, 31-03-2026, 31.03.2026, 31/3/26, with a time of day or not (strptime format by format was the
# import's slowest step)
NUMERIC_DATE = re.compile(r"(\d{1,4})([-./])(\d{1,2})\2(\d{1,4})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
MONTHS = {"januar": 1, "january": 1, "jan": 1, "februar": 2, "february": 2, "feb": 2, "marts": 3, "march": 3,
          "mar": 3, "april": 4, "apr": 4, "maj": 5, "may": 5, "juni": 6, "june": 6, "jun": 6, "juli": 7, "july": 7,
          "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9, "oktober": 10, "october": 10,
          "okt": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12}
DAY_MONTH_YEAR = re.compile(r"(\d{1,2})\.?\s*([a-z]+)\.?,?\s*(\d{4})")
MONTH_DAY_YEAR = re.compile(r"([a-z]+)\.?\s*(\d{1,2})(?:st|nd|rd|th)?,?\s*(\d{4})")
EXCEL_SERIALS = range(20_000, 80_000)  # 1954..2119: a date cell that lost its format reads as such a number
EXCEL_EPOCH = dt.date(1899, 12, 30)


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is meant for the user."""


@dataclass
class CellError:
    row: int
    column: str  # "C (Frist)", or "" for a row-level error
    message: str
    sheet: str = ""  # the sheet's name; "" for a CSV file
    value: str = ""  # the cell's content as read, shortened


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class RowPlan:
    """What one row of the file will do."""

    row: int
    external_id: str
    values: dict
    requirement_ids: set[int] | None
    existing: Finding | None
    changed: bool = True
    refs: list[str] = field(default_factory=list)  # the CIS controls and requirements, as shown
    unit_name: str | None = None
    changes: list[Change] = field(default_factory=list)

    @property
    def action(self) -> str:
        if self.existing is None:
            return "create"
        return "update" if self.changed else "unchanged"


@dataclass
class Column:
    """A column of the file and what the import does with it."""

    index: int
    letter: str
    header: str
    key: str  # normalised header
    target: str | None = None  # importer field, IGNORE, or None while unplaced
    remembered: bool = False  # placed by an earlier choice for the same source
    samples: list[str] = field(default_factory=list)

    @property
    def field_label(self) -> str:
        return COLUMNS[self.target][0] if self.target in COLUMNS else ""


@dataclass
class ImportPlan:
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    columns: list[Column] = field(default_factory=list)
    sheet: str = ""
    header_row: int = 0
    source: str = ""

    @property
    def unplaced(self) -> list[Column]:
        return [c for c in self.columns if c.target is None]

    @property
    def ignored_columns(self) -> list[str]:
        return [c.header for c in self.columns if c.target == IGNORE]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.unplaced and bool(self.rows)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)


# --- Reading files ---------------------------------------------------------------------------------

def fold(text) -> str:
    """Lower case without accents, æ/ø/å and their spellings ae/oe/aa folded alike: 'Anslået' == 'anslaaet'."""
    value = str(text or "").lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    value = "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))
    return value.replace("aa", "a").replace("ae", "a").replace("oe", "o")


UNIT_WORDS = {"kr", "dkk", "i", "in", "ekskl", "excl", "inkl", "incl", "moms", "vat", "dato", "date"}


def normalise_header(text) -> str:
    """'  Fund-ID (nr.) ' -> 'fund id'; 'Anslået omkostning [kr.]' -> 'anslaet omkostning'."""
    value = fold(unicodedata.normalize("NFC", str(text or "")))
    value = re.sub(r"\(.*?\)|\[.*?\]", " ", value)
    words = re.sub(r"[\W_]+", " ", value).split()
    while len(words) > 1 and words[-1] in UNIT_WORDS and " ".join(words) not in HEADER_INDEX:
        words.pop()  # "Frist dato", "Omkostning kr", "Cost DKK excl VAT"
    return " ".join(words)


HEADER_INDEX: dict[str, str] = {" ".join(re.sub(r"[\W_]+", " ", fold(variant)).split()): name
                                 for name, (_label, variants) in COLUMNS.items() for variant in variants}


def _folded(table: dict) -> dict:
    return {member: frozenset(fold(word) for word in words) | {member.value} for member, words in table.items()}


SEVERITY_WORDS, COST_WORDS, STATUS_WORDS = (_folded(t) for t in (SEVERITY_WORDS, COST_WORDS, STATUS_WORDS))


@dataclass
class Sheet:
    name: str  # "" for a CSV file
    rows: list[tuple[int, list]]  # the rows with content, as (row number, cells)


def _cell_size_ok(value) -> bool:
    return not isinstance(value, str) or len(value) <= MAX_CELL_CHARS


def _collect(numbered_rows, sheet_name: str, limit: int) -> list[tuple[int, list]]:
    """Rows with content, trailing empty cells dropped, within the row and column bounds."""
    rows = []
    where = _("arket „%(name)s“", name=sheet_name) if sheet_name else _("filen")
    for number, cells in numbered_rows:
        width = len(cells)
        while width and cells[width - 1] in (None, ""):
            width -= 1
        if not width or not any(not (isinstance(c, str) and not c.strip()) and c is not None for c in cells[:width]):
            continue
        if width > MAX_COLUMNS:
            raise ImportFileError(_("Række %(row)d i %(where)s har indhold i %(n)d kolonner; importen læser højst "
                                    "%(max)d kolonner. Slet de overflødige kolonner, og indlæs filen igen.",
                                    row=number, where=where, n=width, max=MAX_COLUMNS))
        if len(rows) >= limit:
            raise ImportFileError(_("%(where)s har mere end %(max)s rækker. Del filen op, og indlæs delene hver for "
                                    "sig.", where=where[:1].upper() + where[1:], max=f"{limit - HEADER_SCAN_ROWS:,}"
                                    .replace(",", ".")))
        rows.append((number, list(cells[:width])))
    return rows


def read_sheets(data: bytes, filename: str) -> list[Sheet]:
    """Every sheet of an XLSX file, or the one 'sheet' of a CSV file."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(data)
    if suffix == ".csv":
        return [Sheet("", _read_csv(data))]
    raise ImportFileError(_("Filen skal være en XLSX- eller CSV-fil."))


def read_rows(data: bytes, filename: str) -> list[tuple[int, list]]:
    """The rows with content of the first sheet (XLSX) or the file (CSV) as (row number, cells)."""
    return read_sheets(data, filename)[0].rows


def check_package(data: bytes) -> None:
    """Refuse a zip bomb before anything is decompressed: sizes from the zip directory, bounded in total,
    per part and by compression ratio. (zipfile stops reading a part at its declared size, so a lying
    directory cannot smuggle more.)"""
    unreadable = _("Filen kan ikke læses som et Excel-regneark (XLSX).")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportFileError(unreadable) from exc
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_PARTS:
            raise ImportFileError(_("Filen indeholder for mange dele (%(n)d) til at være et almindeligt regneark.",
                                    n=len(parts)))
        total = 0
        for part in parts:
            total += part.file_size
            if part.file_size > 1024 * 1024 and part.file_size > MAX_RATIO * max(part.compress_size, 1):
                raise ImportFileError(_("Filen er pakket usædvanligt hårdt (en „zip-bombe“) og læses ikke."))
        if total > MAX_UNCOMPRESSED:
            raise ImportFileError(_("Regnearket fylder %(mb)d MB udpakket; importen læser højst %(max)d MB. "
                                    "Del filen op.", mb=total // (1024 * 1024), max=MAX_UNCOMPRESSED // (1024 * 1024)))


MERGE_PATTERN = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"')


def _merged_ranges(workbook, sheet) -> list[tuple[int, int, int, int]]:
    """Merged ranges (min_col, min_row, max_col, max_row) of a read-only sheet, found by scanning its XML for
    mergeCell elements: read-only mode does not report them, and full mode would hold the whole sheet."""
    from openpyxl.utils import column_index_from_string  # openpyxl is imported when used, not at start-up

    ranges, tail = [], b""
    with workbook._archive.open(sheet._worksheet_path) as source:
        while chunk := source.read(1 << 20):
            block = tail + chunk
            for match in MERGE_PATTERN.finditer(block):
                a, r1, b, r2 = match.groups()
                ranges.append((column_index_from_string(a.decode()), int(r1),
                               column_index_from_string(b.decode()), int(r2)))
                if len(ranges) > MAX_ROWS:
                    return ranges
            tail = block[-200:]
            if ranges and MERGE_PATTERN.search(tail):  # a match within the overlap is found again next time
                ranges.pop()
    return ranges


def _read_xlsx(data: bytes) -> list[Sheet]:
    # openpyxl (and the XML parser it uses) is imported when a workbook is read, not at start-up
    from xml.etree.ElementTree import ParseError

    import openpyxl.xml
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    check_package(data)
    if not openpyxl.xml.DEFUSEDXML:  # fail closed: without defusedxml openpyxl would expand XML entities
        raise ImportFileError(_("XLSX-filer kan ikke læses sikkert på denne server (defusedxml mangler)."))
    unreadable = _("Filen kan ikke læses som et Excel-regneark (XLSX).")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError, ParseError, TypeError,
            AttributeError, IndexError) as exc:
        raise ImportFileError(_forbidden_xml(exc) or unreadable) from exc
    sheets = []
    try:
        for sheet in workbook.worksheets[:MAX_SHEETS]:
            if not hasattr(sheet, "iter_rows") or not hasattr(sheet, "_worksheet_path"):
                continue  # a chart sheet
            sheet.reset_dimensions()  # the file's own dimension would make every row as wide as it claims
            numbered = ((n, cells) for n, cells in enumerate(sheet.iter_rows(values_only=True), start=1))
            rows = _collect(numbered, sheet.title, MAX_ROWS + HEADER_SCAN_ROWS)
            _fill_merged_down(rows, _merged_ranges(workbook, sheet))
            sheets.append(Sheet(sheet.title, rows))
    except ImportFileError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, ParseError, TypeError, AttributeError,
            IndexError, OverflowError, EOFError) as exc:
        raise ImportFileError(_forbidden_xml(exc) or unreadable) from exc
    finally:
        workbook.close()
    if not sheets:
        raise ImportFileError(_("Filen er tom."))
    return sheets


def _forbidden_xml(exc: Exception) -> str | None:
    from defusedxml import DefusedXmlException  # imported with openpyxl, when a workbook is read

    seen = 0
    while exc is not None and not isinstance(exc, DefusedXmlException) and seen < 10:
        exc, seen = exc.__cause__ or exc.__context__, seen + 1  # openpyxl wraps the parser's error
    if isinstance(exc, DefusedXmlException):
        return _("Filen indeholder XML-konstruktioner (entiteter eller DTD), som et regneark ikke bruger, og som "
                 "kan misbruges. Gem filen igen fra Excel eller LibreOffice, og indlæs den igen.")
    return None


def _fill_merged_down(rows: list[tuple[int, list]], ranges) -> None:
    """A value merged down over several rows (a unit over its findings) belongs to each of those rows. Merges
    across columns are left alone: the value belongs to its first column only."""
    if not ranges:
        return
    by_number = {number: cells for number, cells in rows}
    for min_col, min_row, _max_col, max_row in ranges:
        top = by_number.get(min_row)
        if top is None or min_col > len(top) or max_row == min_row:
            continue
        value = top[min_col - 1]
        for number in range(min_row + 1, min(max_row, min_row + MAX_ROWS) + 1):
            cells = by_number.get(number)
            if cells is None:
                continue
            if len(cells) < min_col:
                cells.extend([None] * (min_col - len(cells)))
            if cells[min_col - 1] in (None, ""):
                cells[min_col - 1] = value


def _read_csv(data: bytes) -> list[tuple[int, list]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's "CSV" on Danish Windows
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
        delimiter = dialect.delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    numbered = ((reader.line_num, row) for row in reader)
    try:
        return _collect(numbered, "", MAX_ROWS + HEADER_SCAN_ROWS)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ImportFileError(_("Et felt i filen (omkring linje %(line)d) er længere end %(max)s tegn; det er "
                                    "ikke et regneark, importen kan læse.", line=reader.line_num,
                                    max=f"{csv.field_size_limit():,}".replace(",", "."))) from exc
        raise ImportFileError(_("Filen kan ikke læses som CSV (omkring linje %(line)d).",
                                line=reader.line_num)) from exc


# --- Parsing values --------------------------------------------------------------------------------

def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        value = value.strftime("%Y-%m-%d")
    text = str(value).strip()
    return text or None


def shown(value, limit: int = 80) -> str:
    """A cell's content as the preview shows it beside an error."""
    text = _text(value) or ""
    text = CONTROL_CHARS.sub("�", text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _word(value, table: dict):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        key = str(int(value)) if isinstance(value, int) or (math.isfinite(value) and value.is_integer()) else ""
    else:
        key = " ".join(re.sub(r"[\W_]+", " ", fold(re.sub(r"\(.*?\)", " ", str(value)))).split())
    for member, words in table.items():
        if key in words:
            return member
    return None


def parse_date(value) -> dt.date:
    """Dates as Danish offices write them: 31-03-2026, 31.03.2026, 31/3/2026, 31. marts 2026, ISO, Excel dates."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if math.isfinite(value) and int(value) in EXCEL_SERIALS:
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ValueError(value)
    text = " ".join(str(value).strip().split())
    match = NUMERIC_DATE.fullmatch(text)
    if match:
        first, _sep, month, last = match.groups()
        if len(first) == 4:
            return dt.date(int(first), int(month), int(last))
        if len(first) <= 2 and len(last) in (2, 4):
            return dt.date(int(last) + (2000 if len(last) == 2 else 0), int(month), int(first))
        raise ValueError(text)
    folded = fold(text)
    for pattern, order in ((DAY_MONTH_YEAR, (0, 1, 2)), (MONTH_DAY_YEAR, (1, 0, 2))):
        match = pattern.fullmatch(folded)
        if match:
            parts = match.groups()
            day, month, year = parts[order[0]], MONTHS.get(parts[order[1]].rstrip(".")), parts[order[2]]
            if month:
                return dt.date(int(year), month, int(day))  # ValueError for 31. februar
    raise ValueError(text)


class AmountError(ValueError):
    """An amount that is not a number the register can keep; the message is for the user."""


class _NotANumber(ValueError):
    pass


AMOUNT_NOISE = re.compile(r"\b(?:dkk|kr|kroner|ekskl|excl|inkl|incl|moms|vat|ca|approx|cirka)\b\.?|,-|\.-")
MULTIPLIERS = ((re.compile(r"\b(?:t\.?\s*kr|tkr|tdkk|tusind|thousand)\b\.?"), 1_000),
               (re.compile(r"\b(?:mio|mill|million|millioner|mdkk)\b\.?"), 1_000_000))


def _number(text: str) -> Decimal:
    """'45.000' / '45,000' / '45.000,50' / '45,000.50' / '45 000' / '1e3' -> a Decimal, or AmountError."""
    text = re.sub(r"[\s\u00a0\u202f']", "", text)
    if not re.fullmatch(r"[+-]?[\d.,]*\d[\d.,]*(?:e[+-]?\d+)?", text):
        raise _NotANumber(text)
    if "e" in text:
        mantissa, exponent = text.split("e")
        if abs(int(exponent)) > 12:
            raise AmountError(_("Beløbet „%(value)s“ er urimeligt stort eller småt.", value=text))
        return _number(mantissa) * Decimal(10) ** int(exponent)
    dots, commas = text.count("."), text.count(",")
    if dots and commas:  # the last separator is the decimal one
        decimal, thousands = (",", ".") if text.rfind(",") > text.rfind(".") else (".", ",")
    elif dots + commas == 0:
        decimal = thousands = None
    else:
        sep = "." if dots else ","
        # One separator followed by exactly three digits groups thousands ("45.000", "45,000"); otherwise it is
        # the decimal point ("45,5", "1234.50"); repeated, it can only group thousands ("1.250.000").
        if text.count(sep) > 1 or re.search(rf"\{sep}\d{{3}}$", text):
            decimal, thousands = None, sep
        else:
            decimal, thousands = sep, None
    if thousands:
        text = text.replace(thousands, "")
    if decimal:
        text = text.replace(decimal, ".")
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise _NotANumber(text) from exc


def parse_amount(value) -> int | tuple[int, int] | None:
    """'120.000 kr.' -> 120000; 'DKK 45,000.00' -> 45000; '50-100 t.kr.' -> (50000, 100000); None if the text
    is not an amount. An amount the register cannot keep (1e400, negative) raises AmountError."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise AmountError(_("Beløbet er ikke et endeligt tal."))
        return _whole(Decimal(str(value)))
    text = fold(str(value)).strip()
    factor = 1
    for pattern, multiplier in MULTIPLIERS:
        if pattern.search(text):
            factor = multiplier
            text = pattern.sub(" ", text)
    text = AMOUNT_NOISE.sub(" ", text).strip().strip(":")
    if not text:
        return None
    band = re.fullmatch(r"([\d.,\s\u00a0]+?)\s*(?:-|–|—|til|to)\s*([\d.,\s\u00a0]+)", text)
    try:
        if band:
            low, high = (_whole(_number(part) * factor) for part in band.groups())
            if low > high:
                raise AmountError(_("Beløbsintervallet „%(value)s“ går baglæns.", value=str(value).strip()))
            return low, high
        return _whole(_number(text) * factor)
    except _NotANumber:
        return None  # not a number at all: the caller says what it expected


def _whole(amount: Decimal) -> int:
    if not amount.is_finite():
        raise AmountError(_("Beløbet er ikke et endeligt tal."))
    if amount < 0:
        raise AmountError(_("Omkostningen kan ikke være negativ."))
    if amount > MAX_AMOUNT:
        raise AmountError(_("Beløbet er over %(max)s kr.; skriv det i kr. uden decimaler.",
                            max=f"{MAX_AMOUNT:,}".replace(",", ".")))
    return int(amount.to_integral_value())


def cost_for_amount(amount: int) -> CostLevel:
    for limit, level in COST_BANDS:
        if amount < limit:
            return level
    return CostLevel.HIGH


def split_refs(value) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\n/]+", str(value)) if part.strip()]


def cis_ref(token: str) -> str | None:
    """'CIS 7', 'cis-7', 'Kontrol 7', '7', '7.1' (a safeguard of control 7) -> '7'."""
    match = re.fullmatch(r"(?:cis)?\s*(?:v8)?\s*[-:]?\s*(?:control|kontrol)?\s*(\d{1,2})(?:\.\d+)?",
                         token.strip().lower())
    return (match.group(1).lstrip("0") or "0") if match else None


# --- Planning --------------------------------------------------------------------------------------

class _Context:
    """Lookups loaded once per import: units, requirements, existing findings by external id."""

    def __init__(self):
        self.units = {}
        self.unit_names = {}
        for unit in db.session.execute(sa.select(Unit)).scalars():
            self.units.setdefault(fold(" ".join(unit.name.split())), unit)
            self.unit_names[unit.id] = unit.name
        self.requirements = requirement_lookup()
        self.requirement_refs = {req.id: _ref_label(req) for req in self.requirements.values()}
        self.existing = {f.external_id: f for f in db.session.execute(
            sa.select(Finding).where(Finding.external_id.is_not(None))
            .options(selectinload(Finding.requirement_links))).scalars()}


def _ref_label(req) -> str:
    return req.display_ref if req.full_ref.startswith(f"{CIS_CATALOG}:") else req.full_ref


def source_key(assessment: Assessment) -> str:
    """Whose files these are: remembered column choices apply to the next file from the same assessor."""
    return normalise_header(assessment.assessor_name or "")[:200]


def remembered_columns(source: str) -> dict[str, str]:
    return dict(db.session.execute(sa.select(ImportColumn.header, ImportColumn.field)
                                   .where(ImportColumn.source == source)).all())


def remember_columns(source: str, choices: dict[str, str]) -> int:
    """Keep the user's choice for each unplaced header (a field name or IGNORE); flushes, the caller commits."""
    kept = {row.header: row for row in db.session.execute(
        sa.select(ImportColumn).where(ImportColumn.source == source)).scalars()}
    saved = 0
    for header, name in choices.items():
        if not header or (name not in COLUMNS and name != IGNORE):
            continue
        row = kept.get(header)
        if row is None:
            db.session.add(ImportColumn(source=source, header=header[:200], field=name))
        elif row.field != name:
            row.field = name
        else:
            continue
        saved += 1
    db.session.flush()
    return saved


def _header_score(cells: list, remembered: dict[str, str]) -> int:
    keys = [normalise_header(c) for c in cells if isinstance(c, str) and c.strip()]
    return sum(1 for k in keys if k in HEADER_INDEX or k in remembered)


def find_header(sheets: list[Sheet], remembered: dict[str, str]) -> tuple[Sheet, int]:
    """The sheet and row index (in sheet.rows) that look most like the header row: the most cells that are
    known headers, among the first rows of each sheet. A title, a date or blank rows above it are skipped."""
    best = (0, 0, 0)  # (score, -sheet index, -row index)
    for s_index, sheet in enumerate(sheets):
        for r_index, (number, cells) in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
            if number > HEADER_SCAN_ROWS * 4:
                break
            score = _header_score(cells, remembered)
            if (score, -s_index, -r_index) > best:
                best = (score, -s_index, -r_index)
    if best[0] == 0:
        return sheets[0], 0
    return sheets[-best[1]], -best[2]


def plan_import(data: bytes, filename: str, assessment: Assessment,
                choices: dict[str, str] | None = None) -> ImportPlan:
    """Read the file and work out every row's outcome and every error, without changing anything.

    `choices` places headers the importer does not know (header -> field or IGNORE) for this file only;
    choices remembered for the assessment's source apply as well."""
    plan = ImportPlan(source=source_key(assessment))
    sheets = [sheet for sheet in read_sheets(data, filename) if sheet.rows]
    if not sheets:
        raise ImportFileError(_("Filen er tom."))
    remembered = remembered_columns(plan.source)
    wanted = {**remembered, **(choices or {})}
    sheet, header_index = find_header(sheets, wanted)
    plan.sheet = sheet.name
    header_row, headers = sheet.rows[header_index]
    plan.header_row = header_row
    body = sheet.rows[header_index + 1:]
    if len(body) > MAX_ROWS:
        raise ImportFileError(_("Filen har mere end %(max)s rækker. Del filen op, og indlæs delene hver for sig.",
                                max=f"{MAX_ROWS:,}".replace(",", ".")))
    columns: dict[str, int] = {}
    labels: dict[int, str] = {}

    def header_error(label, message):
        plan.errors.append(CellError(header_row, label, message, sheet.name))

    for index, header in enumerate(headers):
        letter = column_letter(index + 1)
        text = CONTROL_CHARS.sub("", str(header)).strip() if header not in (None, "") else ""
        labels[index] = f"{letter} ({text[:60]})" if text else letter
        if not text:
            continue
        key = normalise_header(text)[:200]
        column = Column(index, letter, text[:200], key)
        if key in HEADER_INDEX:
            column.target = HEADER_INDEX[key]
        elif choices and key in choices:
            column.target = choices[key]
        elif key in remembered and (remembered[key] in COLUMNS or remembered[key] == IGNORE):
            column.target, column.remembered = remembered[key], True
        plan.columns.append(column)
        if column.target in COLUMNS:
            if column.target in columns:
                header_error(labels[index], _("Kolonnen „%(name)s“ findes to gange.",
                                              name=COLUMNS[column.target][0]))
            else:
                columns[column.target] = index
    for column in plan.unplaced:
        column.samples = [shown(cells[column.index], 40) for _n, cells in body[:50]
                          if column.index < len(cells) and cells[column.index] not in (None, "")][:3]
    for name in REQUIRED:
        if name not in columns and not plan.unplaced:
            header_error("", _("Kolonnen „%(name)s“ mangler (overskriften kan også hedde fx %(variants)s).",
                               name=COLUMNS[name][0], variants=", ".join(f"„{v}“" for v in COLUMNS[name][1][:3])))
    if plan.errors or plan.unplaced:
        return plan

    context = _Context()
    seen: dict[str, int] = {}
    for number, cells in body:
        row_plan = _plan_row(number, cells, columns, labels, context, seen, plan.errors, sheet.name)
        if row_plan is not None:
            plan.rows.append(row_plan)
    if not plan.rows and not plan.errors:
        header_error("", _("Filen har ingen rækker med fund under overskrifterne."))
    return plan


def _plan_row(number, cells, columns, labels, context, seen, errors, sheet_name) -> RowPlan | None:
    def raw_cell(name):
        index = columns.get(name)
        if index is None or index >= len(cells):
            return None
        value = cells[index]
        return None if isinstance(value, str) and not value.strip() else value

    def error(name, message, value=None):
        errors.append(CellError(number, labels[columns[name]] if name in columns else "", message, sheet_name,
                                shown(value) if value is not None else ""))

    bad_cells = set()

    def cell(name):
        value = raw_cell(name)
        if isinstance(value, str) and name not in bad_cells:
            if CONTROL_CHARS.search(value):
                bad_cells.add(name)
                error(name, _("Cellen indeholder styretegn (fx NUL), som ikke kan gemmes. Ret cellen."), value)
            elif len(value) > MAX_CELL_CHARS:
                bad_cells.add(name)
                error(name, _("Cellen har mere end %(max)d tegn.", max=MAX_CELL_CHARS), value)
        return None if name in bad_cells else value

    before = len(errors)
    values: dict = {}
    external_id = _text(cell("external_id"))
    if external_id is None:
        if "external_id" not in bad_cells:
            error("external_id", _("Id mangler; det bruges til at genkende fundet ved en ny import."))
    elif len(external_id) > 64:
        error("external_id", _("Id må højst være 64 tegn."), external_id)
    elif external_id in seen:
        error("external_id", _("Id „%(id)s“ står også i række %(row)d.", id=external_id, row=seen[external_id]),
              external_id)
    else:
        seen[external_id] = number

    title = _text(cell("title"))
    if title is None:
        if "title" not in bad_cells:
            error("title", _("Titel mangler."))
    elif len(title) > 500:
        error("title", _("Titlen må højst være 500 tegn."), title)
    values["title"] = title

    raw = cell("severity")
    if raw is None:
        if "severity" not in bad_cells:
            error("severity", _("Kritikalitet mangler (Kritisk, Høj, Middel eller Lav)."))
    elif (severity := _word(raw, SEVERITY_WORDS)) is None:
        error("severity", _("Ukendt kritikalitet „%(value)s“ (brug Kritisk, Høj, Middel eller Lav).",
                            value=shown(raw)), raw)
    else:
        values["severity"] = severity

    for name in ("description", "effort", "owner", "closure_evidence"):
        if name in columns:
            values[name] = _text(cell(name))
    if values.get("effort") and len(values["effort"]) > 100:
        error("effort", _("Indsats må højst være 100 tegn."), values["effort"])
    if values.get("owner") and len(values["owner"]) > 200:
        error("owner", _("Ejer må højst være 200 tegn."), values["owner"])

    if "cost" in columns:
        raw = cell("cost")
        values["cost"], values["cost_estimate_dkk"] = None, None
        if raw is not None:
            level = _word(raw, COST_WORDS)
            try:
                amount = None if level else parse_amount(raw)
            except AmountError as exc:
                error("cost", str(exc), raw)
            else:
                if isinstance(amount, tuple):  # a band "50.000–100.000 kr.": its middle stands for it
                    amount = (amount[0] + amount[1]) // 2
                if level is None and amount is None:
                    error("cost", _("Ukendt omkostning „%(value)s“ (brug Lav, Middel, Høj, et beløb i kr. eller "
                                    "et interval som 50.000–100.000 kr.).", value=shown(raw)), raw)
                else:
                    values["cost"] = level or cost_for_amount(amount)
                    values["cost_estimate_dkk"] = amount

    unit_name = None
    if "unit" in columns:
        raw = _text(cell("unit"))
        values["unit_id"] = None
        if raw is not None:
            unit = context.units.get(fold(" ".join(raw.split())))
            if unit is None:
                error("unit", _("Ukendt enhed „%(value)s“; enheden skal findes i organisationen.", value=shown(raw)),
                      raw)
            elif not unit.active:
                error("unit", _("Enheden „%(value)s“ er inaktiv.", value=shown(raw)), raw)
            else:
                values["unit_id"], unit_name = unit.id, unit.name

    bad_dates = set()
    for name in ("due_on", "closed_on"):
        if name in columns:
            raw = cell(name)
            values[name] = None
            if raw is not None:
                try:
                    values[name] = parse_date(raw)
                except (ValueError, OverflowError):
                    bad_dates.add(name)
                    error(name, _("Ugyldig dato „%(value)s“ (skriv fx 31-03-2026, 31.03.2026, 31. marts 2026 eller "
                                  "2026-03-31).", value=shown(raw)), raw)

    raw = cell("status")
    if raw is not None:
        status = _word(raw, STATUS_WORDS)
        if status is None:
            error("status", _("Ukendt status „%(value)s“ (brug Åben, I gang eller Lukket).", value=shown(raw)), raw)
        else:
            values["status"] = status

    requirement_ids: set[int] = set()
    touches_refs = "controls" in columns or "requirements" in columns
    raw = cell("controls")
    for token in split_refs(raw) if raw is not None else []:
        ref = cis_ref(token)
        req = context.requirements.get(f"{CIS_CATALOG}:{ref}") if ref else None
        if req is None:
            error("controls", _("Ukendt CIS-kontrol „%(value)s“ (brug 1–18, fx „CIS 7“).", value=shown(token)), raw)
        else:
            requirement_ids.add(req.id)
    raw = cell("requirements")
    for token in re.split(r"[,;\s]+", str(raw)) if raw is not None else []:
        if not token:
            continue
        req = context.requirements.get(token.lower())
        if req is None:
            error("requirements", _("Ukendt krav „%(value)s“ (skriv katalog og reference, fx „nis2:21.2.d“).",
                                    value=shown(token)), raw)
        else:
            requirement_ids.add(req.id)

    existing = context.existing.get(external_id) if external_id else None
    status = values.get("status", existing.status if existing else FindingStatus.OPEN)
    closed_on = values["closed_on"] if "closed_on" in values else (existing.closed_on if existing else None)
    if status == FindingStatus.CLOSED and closed_on is None and "closed_on" not in bad_dates:
        error("closed_on" if "closed_on" in columns else "status", _("Et lukket fund skal have en lukkedato."))
    if status != FindingStatus.CLOSED and values.get("closed_on") is not None:
        error("closed_on", _("Lukkedato er udfyldt, men status er ikke Lukket."), values["closed_on"])

    if len(errors) > before:
        return None
    refs = sorted((context.requirement_refs[i] for i in requirement_ids), key=_ref_order)
    if existing is None:
        values.setdefault("status", FindingStatus.OPEN)
        return RowPlan(number, external_id, values, requirement_ids if touches_refs else None, None, True, refs,
                       unit_name)
    changes = [Change(str(FIELD_LABELS[k]), _display(k, getattr(existing, k), context),
                      _display(k, v, context)) for k, v in values.items() if getattr(existing, k) != v]
    if touches_refs:
        before_ids = {link.requirement_id for link in existing.requirement_links}
        if before_ids != requirement_ids:
            old = sorted((context.requirement_refs.get(i, "?") for i in before_ids), key=_ref_order)
            changes.append(Change(_("CIS-kontrol og krav"), ", ".join(old) or "—", ", ".join(refs) or "—"))
    else:
        refs = sorted((context.requirement_refs.get(link.requirement_id, "?")
                       for link in existing.requirement_links), key=_ref_order)
    if "unit" not in columns and existing.unit_id:
        unit_name = context.unit_names.get(existing.unit_id)
    return RowPlan(number, external_id, values, requirement_ids if touches_refs else None, existing,
                   bool(changes), refs, unit_name, changes)


def _ref_order(label: str):
    return (0, int(label.split()[-1])) if label.startswith("CIS ") and label.split()[-1].isdigit() else (1, label)


FIELD_LABELS = {"title": COLUMNS["title"][0], "description": COLUMNS["description"][0],
                "severity": COLUMNS["severity"][0], "cost": COLUMNS["cost"][0],
                "cost_estimate_dkk": _l("Beløb (kr.)"), "effort": COLUMNS["effort"][0], "unit_id": COLUMNS["unit"][0],
                "owner": COLUMNS["owner"][0], "due_on": COLUMNS["due_on"][0], "status": COLUMNS["status"][0],
                "closed_on": COLUMNS["closed_on"][0], "closure_evidence": COLUMNS["closure_evidence"][0]}


def _display(key: str, value, context: _Context) -> str:
    """A field's value as the preview's change column shows it."""
    if value is None or value == "":
        return "—"
    if key == "unit_id":
        return context.unit_names.get(value, "?")
    if key == "cost_estimate_dkk":
        return f"{value:,} kr.".replace(",", ".")
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    if hasattr(value, "label"):
        return str(value.label)
    return shown(value)


def apply_import(plan: ImportPlan, assessment: Assessment) -> dict:
    """Store every row of an error-free plan (flushes; the caller commits all or rolls back)."""
    if not plan.ok:
        raise ValueError("an import with errors is never applied")
    created = updated = 0
    for row in plan.rows:
        finding = row.existing
        if finding is None:
            finding = Finding(external_id=row.external_id, source_kind=FindingSource.GAP_ANALYSIS,
                              assessment_id=assessment.id, identified_on=assessment.assessed_on)
            db.session.add(finding)
            created += 1
        elif row.changed:
            updated += 1
        else:
            continue
        for key, value in row.values.items():
            setattr(finding, key, value)
        if row.requirement_ids is not None:
            set_requirements(finding, row.requirement_ids)
    db.session.flush()
    return {"created": created, "updated": updated, "unchanged": plan.count("unchanged")}


def computed_priority(row: RowPlan):
    """The priority the row's finding will get (its override, if it has one, still wins)."""
    severity = row.values.get("severity")
    cost = row.values.get("cost", row.existing.cost if row.existing else None)
    if row.existing is not None and row.existing.priority_override:
        return row.existing.priority_override
    return priority_for(severity, cost)


# --- Keeping the upload between preview and confirm -----------------------------------------------

def _upload_dir() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "gap-import"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_upload(data: bytes, filename: str, user_id: int) -> str:
    """Keep the uploaded file for the confirm step; returns the token naming it."""
    suffix = Path(filename).suffix.lower()
    if suffix not in EXTENSIONS:
        raise ImportFileError(_("Filen skal være en XLSX- eller CSV-fil."))
    folder = _upload_dir()
    cutoff = time.time() - UPLOAD_MAX_AGE
    for old in folder.iterdir():  # unconfirmed uploads from earlier days are removed
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (folder / f"{user_id}-{token}{suffix}").write_bytes(data)
    (folder / f"{user_id}-{token}.name").write_text(Path(filename).name[:200], encoding="utf-8")  # for headings
    return token


def stored_upload(token: str, user_id: int) -> tuple[bytes, str] | None:
    """The bytes and name of a kept upload, if the token is this user's."""
    if not token or not TOKEN_PATTERN.match(token):
        return None
    for suffix in EXTENSIONS:
        path = _upload_dir() / f"{user_id}-{token}{suffix}"
        if path.is_file():
            name = path.with_suffix(".name")
            shown_name = name.read_text(encoding="utf-8") if name.is_file() else path.name
            return path.read_bytes(), shown_name if Path(shown_name).suffix.lower() == suffix else path.name
    return None


def discard_upload(token: str, user_id: int) -> None:
    if token and TOKEN_PATTERN.match(token):
        for suffix in (*EXTENSIONS, ".name"):
            (_upload_dir() / f"{user_id}-{token}{suffix}").unlink(missing_ok=True)


# --- The template ----------------------------------------------------------------------------------

def column_letter(number: int) -> str:
    """A spreadsheet column's letters: 1 -> A, 27 -> AA (openpyxl's get_column_letter, without importing it)."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def template_xlsx() -> bytes:
    """An empty import sheet with the standard headers, and a sheet explaining the columns."""
    from openpyxl import Workbook  # openpyxl is imported when a workbook is made, not at start-up

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Fund"
    sheet.append([label for label, _variants in COLUMNS.values()])
    for index, (label, _variants) in enumerate(COLUMNS.values(), start=1):
        sheet.column_dimensions[column_letter(index)].width = max(12, len(label) + 4)
    guide = workbook.create_sheet("Vejledning")
    guide.append([_("Kolonne"), _("Skal udfyldes"), _("Indhold"), _("Andre overskrifter, der også accepteres")])
    explanations = {
        "external_id": _("Fundets id i rapporten, fx GAP-2026-01. Bruges til at opdatere fundet ved en ny import."),
        "title": _("Kort titel."),
        "description": _("Uddybning af fundet."),
        "controls": _("CIS-kontrol(ler), fx „CIS 4; CIS 7“. Nummeret på en safeguard (7.1) regnes til kontrollen."),
        "requirements": _("Andre krav med katalog og reference, fx „nis2:21.2.d beredskab:hob.7“."),
        "severity": _("Kritisk, Høj, Middel eller Lav."),
        "cost": _("Lav (under 50.000 kr.), Middel (50.000–250.000 kr.), Høj (over 250.000 kr.) eller et beløb."),
        "effort": _("Estimeret indsats, fx „10 dage“."),
        "unit": _("Enhedens navn som i registrets organisation."),
        "owner": _("Navn på den ansvarlige person."),
        "due_on": _("Dato, fx 2026-06-30 eller 30-06-2026."),
        "status": _("Åben, I gang eller Lukket."),
        "closed_on": _("Dato; skal udfyldes, når status er Lukket."),
        "closure_evidence": _("Hvad viser, at fundet er lukket."),
    }
    for name, (label, variants) in COLUMNS.items():
        guide.append([label, _("Ja") if name in REQUIRED else _("Nej"), explanations[name],
                      ", ".join(variants)])
    guide.append([])
    guide.append([_("CIS-kontroller")])
    for req in cis_controls():
        guide.append([req.display_ref, "", req.title_da])
    for column, width in zip("ABCD", (24, 14, 80, 60), strict=True):
        guide.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
