"""The action plan as an XLSX file for the board and the units."""
import datetime as dt
import io

from register.core.i18n import gettext as _
from register.gap.services import PlanGroup, cis_refs, other_refs
from register.requirements.exports import ILLEGAL_CHARACTERS_RE

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula is prefixed with ' so it stays text (OWASP); control
    characters, which XLSX cannot hold (openpyxl refused the whole file), are dropped."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_PREFIXES):
            return "'" + value
    return value


AMOUNT_FORMAT = '#,##0 "kr."'


def action_plan_xlsx(groups: list[PlanGroup], today: dt.date, group_title: str, amounts: dict | None = None) -> bytes:
    """One row per finding (per group), headers that the import also understands, the estimated amount in kr.
    as a number; a second sheet with the amounts per priority and per unit."""
    # openpyxl is imported when a workbook is made, not at start-up
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Handlingsplan")
    headers = [group_title, _("Prioritet"), _("Id"), _("Titel"), _("CIS-kontrol"), _("Krav"), _("Kritikalitet"),
               _("Omkostning"), _("Anslået beløb (kr.)"), _("Indsats"), _("Ansvarlig enhed"), _("Ejer"), _("Frist"),
               _("Overskredet"), _("Status"), _("Kilde"), _("Lukket dato"), _("Dokumentation for lukning"),
               _("Beskrivelse"), _("Begrundelse for tilsidesat prioritet")]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for group in groups:
        for f in group.findings:
            sheet.append([safe_cell(v) for v in (
                group.label, int(f.priority.value), f.external_id or f.id, f.title,
                ", ".join(r.display_ref for r in cis_refs(f)), " ".join(r.full_ref for r in other_refs(f)),
                f.severity.label, f.cost.label if f.cost else None, f.cost_estimate_dkk, f.effort,
                f.unit.name if f.unit else None, f.owner, f.due_on, _("Ja") if f.is_overdue(today) else _("Nej"),
                f.status.label, f.source_kind.label, f.closed_on, f.closure_evidence, f.description,
                f.priority_override_reason if f.priority_override else None)])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
        row[headers.index(_("Anslået beløb (kr.)"))].number_format = AMOUNT_FORMAT
    widths = (28, 9, 12, 50, 14, 24, 12, 24, 16, 12, 26, 20, 12, 12, 10, 12, 12, 40, 60, 40)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    if amounts is not None:
        _amounts_sheet(workbook.create_sheet(_("Beløb")), amounts)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _amounts_sheet(sheet, amounts: dict) -> None:
    """Totals per priority and per unit, as the action plan page shows them."""
    from openpyxl.styles import Font  # openpyxl is imported when a workbook is made, not at start-up

    for title, rows in ((_("Prioritet"), amounts["priority"]), (_("Ansvarlig enhed"), amounts["unit"])):
        sheet.append([title, _("Fund"), _("Anslået beløb (kr.)"), _("Fund uden beløb")])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for t in rows:
            sheet.append([safe_cell(t.label), t.count, t.amount, t.without_amount])
        total = amounts["total"]
        sheet.append([_("I alt"), total.count, total.amount, total.without_amount])
        sheet[sheet.max_row][0].font = Font(bold=True)
        sheet.append([])
    for row in sheet.iter_rows(min_col=3, max_col=3):
        row[0].number_format = AMOUNT_FORMAT
    for column, width in zip("ABCD", (32, 10, 20, 16), strict=True):
        sheet.column_dimensions[column].width = width
