"""Import findings from an XLSX or CSV file: parse, plan (preview), then apply all rows or none.

The uploaded file is kept under the instance folder with a random token between preview and confirm,
and parsed again on confirm: rows are never taken back from the browser.
"""
import csv
import datetime as dt
import io
import re
import secrets
import time
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy.orm import selectinload

from register.core.i18n import gettext as _
from register.extensions import db
from register.gap.models import (Assessment, CostLevel, Finding, FindingSource, FindingStatus, Severity)
from register.gap.priority import priority_for
from register.gap.services import CIS_CATALOG, cis_controls, requirement_lookup, set_requirements
from register.organisation.models import Unit

EXTENSIONS = (".xlsx", ".csv")
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
UPLOAD_MAX_AGE = 24 * 3600  # seconds an unconfirmed upload is kept

# field -> (template header, accepted header variants, normalised: lower case, no punctuation)
COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "external_id": ("Id", ("id", "fund id", "fundid", "finding id", "nr", "nummer", "løbenummer", "reference",
                           "ref", "fund nr", "id nr")),
    "title": ("Titel", ("titel", "title", "overskrift", "fund", "finding", "navn", "name")),
    "description": ("Beskrivelse", ("beskrivelse", "description", "detaljer", "details", "uddybning")),
    "controls": ("CIS-kontrol", ("cis kontrol", "cis kontroller", "cis control", "cis controls", "kontrol",
                                 "kontroller", "control", "controls", "cis")),
    "requirements": ("Krav", ("krav", "requirement", "requirements", "øvrige krav", "other requirements")),
    "severity": ("Kritikalitet", ("kritikalitet", "criticality", "alvorlighed", "severity", "risiko", "risk",
                                  "alvorlighedsgrad")),
    "cost": ("Omkostning", ("omkostning", "estimeret omkostning", "omkostninger", "cost", "estimated cost",
                            "pris", "udgift")),
    "effort": ("Indsats", ("indsats", "estimeret indsats", "ressourceforbrug", "effort", "estimated effort",
                           "tidsforbrug")),
    "unit": ("Ansvarlig enhed", ("ansvarlig enhed", "enhed", "unit", "responsible unit", "afdeling",
                                 "ansvarlig afdeling", "organisatorisk enhed")),
    "owner": ("Ejer", ("ejer", "owner", "ansvarlig", "ansvarlig person", "responsible", "tovholder")),
    "due_on": ("Frist", ("frist", "deadline", "due date", "due", "forfaldsdato", "tidsfrist", "slutdato")),
    "status": ("Status", ("status", "state")),
    "closed_on": ("Lukket dato", ("lukket dato", "lukkedato", "lukket den", "closed date", "closed on",
                                  "closed", "dato lukket")),
    "closure_evidence": ("Dokumentation for lukning", ("dokumentation for lukning", "dokumentation",
                                                      "lukkedokumentation", "evidens", "closure evidence",
                                                      "evidence")),
}
REQUIRED = ("external_id", "title", "severity")

SEVERITY_WORDS = {
    Severity.CRITICAL: ("kritisk", "critical", "meget høj", "very high", "4"),
    Severity.HIGH: ("høj", "hoej", "high", "3"),
    Severity.MEDIUM: ("middel", "medium", "moderat", "moderate", "mellem", "2"),
    Severity.LOW: ("lav", "low", "1"),
}
COST_WORDS = {
    CostLevel.LOW: ("lav", "low", "lille", "small"),
    CostLevel.MEDIUM: ("middel", "medium", "mellem", "moderat"),
    CostLevel.HIGH: ("høj", "hoej", "high", "stor", "large"),
}
STATUS_WORDS = {
    FindingStatus.OPEN: ("åben", "aaben", "open", "ny", "new", "ikke startet", "not started"),
    FindingStatus.IN_PROGRESS: ("i gang", "igang", "igangsat", "in progress", "started", "påbegyndt"),
    FindingStatus.CLOSED: ("lukket", "closed", "afsluttet", "done", "løst", "resolved", "færdig"),
}
COST_BANDS = ((50_000, CostLevel.LOW), (250_000, CostLevel.MEDIUM))  # amount < limit -> level
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%y", "%d.%m.%y")


class ImportFileError(ValueError):
    """The file as a whole cannot be read; the message is meant for the user."""


@dataclass
class CellError:
    row: int
    column: str  # "C (Frist)", or "" for a row-level error
    message: str


@dataclass
class RowPlan:
    """What one row of the file will do."""

    row: int
    external_id: str
    values: dict
    requirement_ids: set[int]
    existing: Finding | None
    changed: bool = True

    @property
    def action(self) -> str:
        if self.existing is None:
            return "create"
        return "update" if self.changed else "unchanged"


@dataclass
class ImportPlan:
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)


# --- Reading files ---------------------------------------------------------------------------------

def normalise_header(text) -> str:
    """'  Fund-ID (nr.) ' -> 'fund id'."""
    value = unicodedata.normalize("NFC", str(text or "")).lower()
    value = re.sub(r"\(.*?\)", " ", value)
    value = re.sub(r"[^\wæøå]+", " ", value).replace("_", " ")
    return " ".join(value.split())


HEADER_INDEX = {variant: name for name, (_label, variants) in COLUMNS.items() for variant in variants}


def read_rows(data: bytes, filename: str) -> list[tuple[int, list]]:
    """The non-empty rows of the first sheet (XLSX) or the file (CSV) as (row number, cells)."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(data)
    if suffix == ".csv":
        return _read_csv(data)
    raise ImportFileError(_("Filen skal være en XLSX- eller CSV-fil."))


def _read_xlsx(data: bytes) -> list[tuple[int, list]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, OSError) as exc:
        raise ImportFileError(_("Filen kan ikke læses som et Excel-regneark (XLSX).")) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = [(n, list(cells)) for n, cells in enumerate(sheet.iter_rows(values_only=True), start=1)
                if any(c not in (None, "") for c in cells)]
    finally:
        workbook.close()
    return rows


def _read_csv(data: bytes) -> list[tuple[int, list]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's "CSV" on Danish Windows
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,")
        delimiter = dialect.delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [(reader.line_num, row) for row in reader if any(c.strip() for c in row)]


# --- Parsing values --------------------------------------------------------------------------------

def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, (dt.datetime, dt.date)):
        value = value.strftime("%Y-%m-%d")
    text = str(value).strip()
    return text or None


def _word(value, table: dict):
    key = " ".join(re.sub(r"\(.*?\)", " ", str(value)).lower().replace("-", " ").split())  # labels say "Lav (...)"
    if isinstance(value, (int, float)):
        key = str(int(value))
    for member, words in table.items():
        if key in words or key == member.value:
            return member
    return None


def parse_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_amount(value) -> int | None:
    """'120.000 kr.' -> 120000; None if the text is not an amount."""
    if isinstance(value, (int, float)):
        return int(value)
    text = str(value).lower().replace("kr.", "").replace("kr", "").replace("dkk", "").strip()
    text = text.replace(" ", "").replace(".", "").replace(",", ".")
    try:
        return int(float(text))
    except ValueError:
        return None


def cost_for_amount(amount: int) -> CostLevel:
    for limit, level in COST_BANDS:
        if amount < limit:
            return level
    return CostLevel.HIGH


def split_refs(value) -> list[str]:
    return [part.strip() for part in re.split(r"[,;\n/]+", str(value)) if part.strip()]


def cis_ref(token: str) -> str | None:
    """'CIS 7', 'cis-7', 'Kontrol 7', '7', '7.1' (a safeguard of control 7) -> '7'."""
    match = re.fullmatch(r"(?:cis)?\s*[-:]?\s*(?:control|kontrol)?\s*(\d{1,2})(?:\.\d+)?", token.strip().lower())
    return (match.group(1).lstrip("0") or "0") if match else None


# --- Planning --------------------------------------------------------------------------------------

class _Context:
    """Lookups loaded once per import: units, requirements, existing findings by external id."""

    def __init__(self):
        self.units = {}
        for unit in db.session.execute(sa.select(Unit)).scalars():
            self.units.setdefault(unit.name.strip().lower(), unit)
        self.requirements = requirement_lookup()
        self.existing = {f.external_id: f for f in db.session.execute(
            sa.select(Finding).where(Finding.external_id.is_not(None))
            .options(selectinload(Finding.requirement_links))).scalars()}


def plan_import(data: bytes, filename: str, assessment: Assessment) -> ImportPlan:
    """Read the file and work out every row's outcome and every error, without changing anything."""
    plan = ImportPlan()
    rows = read_rows(data, filename)
    if not rows:
        raise ImportFileError(_("Filen er tom."))
    header_row, headers = rows[0]
    columns: dict[str, int] = {}
    labels: dict[int, str] = {}
    for index, header in enumerate(headers):
        name = HEADER_INDEX.get(normalise_header(header))
        label = f"{get_column_letter(index + 1)} ({str(header).strip()})" if header else get_column_letter(index + 1)
        labels[index] = label
        if name is None:
            if header not in (None, ""):
                plan.ignored_columns.append(str(header).strip())
        elif name in columns:
            plan.errors.append(CellError(header_row, label, _("Kolonnen „%(name)s“ findes to gange.",
                                                              name=COLUMNS[name][0])))
        else:
            columns[name] = index
    for name in REQUIRED:
        if name not in columns:
            plan.errors.append(CellError(header_row, "", _(
                "Kolonnen „%(name)s“ mangler (overskriften kan også hedde fx %(variants)s).",
                name=COLUMNS[name][0], variants=", ".join(f"„{v}“" for v in COLUMNS[name][1][:3]))))
    if plan.errors:
        return plan

    context = _Context()
    seen: dict[str, int] = {}
    for number, cells in rows[1:]:
        row_plan = _plan_row(number, cells, columns, labels, context, assessment, seen, plan.errors)
        if row_plan is not None:
            plan.rows.append(row_plan)
    if not plan.rows and not plan.errors:
        plan.errors.append(CellError(header_row, "", _("Filen har ingen rækker med fund under overskrifterne.")))
    return plan


def _plan_row(number, cells, columns, labels, context, assessment, seen, errors) -> RowPlan | None:
    def cell(name):
        index = columns.get(name)
        if index is None or index >= len(cells):
            return None
        value = cells[index]
        return None if isinstance(value, str) and not value.strip() else value

    def error(name, message):
        errors.append(CellError(number, labels[columns[name]] if name in columns else "", message))

    before = len(errors)
    values: dict = {}
    external_id = _text(cell("external_id"))
    if external_id is None:
        error("external_id", _("Id mangler; det bruges til at genkende fundet ved en ny import."))
    elif len(external_id) > 64:
        error("external_id", _("Id må højst være 64 tegn."))
    elif external_id in seen:
        error("external_id", _("Id „%(id)s“ står også i række %(row)d.", id=external_id, row=seen[external_id]))
    else:
        seen[external_id] = number

    title = _text(cell("title"))
    if title is None:
        error("title", _("Titel mangler."))
    elif len(title) > 500:
        error("title", _("Titlen må højst være 500 tegn."))
    values["title"] = title

    raw = cell("severity")
    if raw is None:
        error("severity", _("Kritikalitet mangler (Kritisk, Høj, Middel eller Lav)."))
    elif (severity := _word(raw, SEVERITY_WORDS)) is None:
        error("severity", _("Ukendt kritikalitet „%(value)s“ (brug Kritisk, Høj, Middel eller Lav).", value=raw))
    else:
        values["severity"] = severity

    for name in ("description", "effort", "owner", "closure_evidence"):
        if name in columns:
            values[name] = _text(cell(name))
    if values.get("effort") and len(values["effort"]) > 100:
        error("effort", _("Indsats må højst være 100 tegn."))
    if values.get("owner") and len(values["owner"]) > 200:
        error("owner", _("Ejer må højst være 200 tegn."))

    if "cost" in columns:
        raw = cell("cost")
        values["cost"], values["cost_estimate_dkk"] = None, None
        if raw is not None:
            level = _word(raw, COST_WORDS)
            amount = None if level else parse_amount(raw)
            if level is None and amount is None:
                error("cost", _("Ukendt omkostning „%(value)s“ (brug Lav, Middel, Høj eller et beløb i kr.).",
                                value=raw))
            elif level is None and amount < 0:
                error("cost", _("Omkostningen kan ikke være negativ."))
            else:
                values["cost"] = level or cost_for_amount(amount)
                values["cost_estimate_dkk"] = amount

    if "unit" in columns:
        raw = _text(cell("unit"))
        values["unit_id"] = None
        if raw is not None:
            unit = context.units.get(raw.lower())
            if unit is None:
                error("unit", _("Ukendt enhed „%(value)s“; enheden skal findes i organisationen.", value=raw))
            elif not unit.active:
                error("unit", _("Enheden „%(value)s“ er inaktiv.", value=raw))
            else:
                values["unit_id"] = unit.id

    bad_dates = set()
    for name in ("due_on", "closed_on"):
        if name in columns:
            raw = cell(name)
            values[name] = None
            if raw is not None:
                try:
                    values[name] = parse_date(raw)
                except ValueError:
                    bad_dates.add(name)
                    error(name, _("Ugyldig dato „%(value)s“ (skriv fx 2026-03-31 eller 31-03-2026).",
                                  value=_text(raw)))

    raw = cell("status")
    if raw is not None:
        status = _word(raw, STATUS_WORDS)
        if status is None:
            error("status", _("Ukendt status „%(value)s“ (brug Åben, I gang eller Lukket).", value=raw))
        else:
            values["status"] = status

    requirement_ids: set[int] = set()
    touches_refs = "controls" in columns or "requirements" in columns
    for token in split_refs(cell("controls")) if cell("controls") is not None else []:
        ref = cis_ref(token)
        req = context.requirements.get(f"{CIS_CATALOG}:{ref}") if ref else None
        if req is None:
            error("controls", _("Ukendt CIS-kontrol „%(value)s“ (brug 1–18, fx „CIS 7“).", value=token))
        else:
            requirement_ids.add(req.id)
    raw = cell("requirements")
    for token in re.split(r"[,;\s]+", str(raw)) if raw is not None else []:
        if not token:
            continue
        req = context.requirements.get(token.lower())
        if req is None:
            error("requirements", _("Ukendt krav „%(value)s“ (skriv katalog og reference, fx „nis2:21.2.d“).",
                                    value=token))
        else:
            requirement_ids.add(req.id)

    existing = context.existing.get(external_id) if external_id else None
    status = values.get("status", existing.status if existing else FindingStatus.OPEN)
    closed_on = values["closed_on"] if "closed_on" in values else (existing.closed_on if existing else None)
    if status == FindingStatus.CLOSED and closed_on is None and "closed_on" not in bad_dates:
        error("closed_on" if "closed_on" in columns else "status", _("Et lukket fund skal have en lukkedato."))
    if status != FindingStatus.CLOSED and values.get("closed_on") is not None:
        error("closed_on", _("Lukkedato er udfyldt, men status er ikke Lukket."))

    if len(errors) > before:
        return None
    if existing is None:
        values.setdefault("status", FindingStatus.OPEN)
        changed = True
    else:
        changed = any(getattr(existing, k) != v for k, v in values.items())
        if touches_refs:
            changed = changed or {l.requirement_id for l in existing.requirement_links} != requirement_ids
    return RowPlan(number, external_id, values, requirement_ids if touches_refs else None, existing, changed)


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
    return token


def stored_upload(token: str, user_id: int) -> tuple[bytes, str] | None:
    """The bytes and name of a kept upload, if the token is this user's."""
    if not token or not TOKEN_PATTERN.match(token):
        return None
    for suffix in EXTENSIONS:
        path = _upload_dir() / f"{user_id}-{token}{suffix}"
        if path.is_file():
            return path.read_bytes(), path.name
    return None


def discard_upload(token: str, user_id: int) -> None:
    if token and TOKEN_PATTERN.match(token):
        for suffix in EXTENSIONS:
            (_upload_dir() / f"{user_id}-{token}{suffix}").unlink(missing_ok=True)


# --- The template ----------------------------------------------------------------------------------

def template_xlsx() -> bytes:
    """An empty import sheet with the standard headers, and a sheet explaining the columns."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Fund"
    sheet.append([label for label, _variants in COLUMNS.values()])
    for index, (label, _variants) in enumerate(COLUMNS.values(), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(label) + 4)
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
    for column, width in zip("ABCD", (24, 14, 80, 60)):
        guide.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
