"""Consultants' workbooks as delivered: title rows above the header, Danish headers with units, merged cells,
amounts and dates as offices write them, columns the import must ask about; read back after confirming."""
import datetime as dt
import io
import re
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from register.extensions import db
from register.gap.models import CostLevel, Finding, FindingRequirement, ImportColumn, Severity

from conftest import html
from gap_helpers import confirm, csv_bytes, token_of, upload, uploads_in

CONSULTANT = "Rådgiver A/S"
HEADER = ["Nr.", "Fund", "CIS-kontrol", "Alvorlighed", "Anslået omkostning (kr.)", "Ansvarlig enhed", "Frist",
          "Konsulentens note"]
ROWS = [
    ["R-1", "Ingen MFA på fjernadgang", "CIS 6", "Kritisk", "45.000 kr.", "IT-drift", "31-03-2026", "haster"],
    ["R-2", "Logning mangler", "8", "høj", 120000, None, "31. marts 2026", None],  # unit merged from the row above
    ["R-3", "Backup testes ikke", "CIS 11; 3", "Medium", "DKK 45,000.50", "Informationssikkerhed", "31.03.2026", ""],
    ["R-4", "Awareness", "Kontrol 14", "LAV", "50.000–100.000 kr.", "informationssikkerhed", dt.date(2026, 6, 1),
     None],
    ["R-5", "Leverandørstyring", "15", "Critical", "Høj", "IT-drift", "2026-09-30", None],
]


def consultant_workbook(rows=ROWS) -> bytes:
    """A cover sheet first, then the findings under a merged title, a date line and a blank row."""
    workbook = Workbook()
    cover = workbook.active
    cover.title = "Forside"
    cover.append(["Gap-analyse af informationssikkerheden"])
    cover.append(["Udarbejdet af", CONSULTANT])
    sheet = workbook.create_sheet("Fund og anbefalinger")
    sheet.append(["Gap-analyse 2026 – Eksempel Kommune"])
    sheet.merge_cells("A1:H1")
    sheet.append(["Dato: 12.03.2026"])
    sheet.append([])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    sheet.merge_cells("F5:F6")  # "IT-drift" stands for both
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def place(client, assessment_id, page, choices: dict[str, str]):
    data = {"token": token_of(page)} | {f"kolonne_{index}": value for index, value in choices.items()}
    return client.post(f"/gap-analyse/vurderinger/{assessment_id}/import/kolonner", data=data)


def saved(app) -> dict[str, Finding]:
    with app.app_context():
        rows = {f.external_id: f for f in db.session.execute(sa.select(Finding)).scalars()}
        for f in rows.values():
            f.refs = sorted(link.requirement.ref for link in db.session.execute(
                sa.select(FindingRequirement).where(FindingRequirement.finding_id == f.id)).scalars())
            db.session.expunge(f)
        return rows


def check_saved(app, import_units):
    rows = saved(app)
    assert set(rows) == {"R-1", "R-2", "R-3", "R-4", "R-5"}
    expected = {
        "R-1": (Severity.CRITICAL, CostLevel.LOW, 45000, "IT-drift", dt.date(2026, 3, 31), ["6"]),
        "R-2": (Severity.HIGH, CostLevel.MEDIUM, 120000, "IT-drift", dt.date(2026, 3, 31), ["8"]),
        "R-3": (Severity.MEDIUM, CostLevel.LOW, 45000, "Informationssikkerhed", dt.date(2026, 3, 31), ["11", "3"]),
        "R-4": (Severity.LOW, CostLevel.MEDIUM, 75000, "Informationssikkerhed", dt.date(2026, 6, 1), ["14"]),
        "R-5": (Severity.CRITICAL, CostLevel.HIGH, None, "IT-drift", dt.date(2026, 9, 30), ["15"]),
    }
    for key, (severity, cost, amount, unit, due, refs) in expected.items():
        f = rows[key]
        assert (f.severity, f.cost, f.cost_estimate_dkk, f.unit_id, f.due_on, f.refs) == (
            severity, cost, amount, import_units[unit], due, refs), key


def test_a_consultants_workbook_imports_after_the_user_places_the_unknown_column(app, client, login, import_units,
                                                                                make_assessment):
    assessment_id = make_assessment(assessor_name=CONSULTANT)
    login("security")
    first = upload(client, assessment_id, consultant_workbook(), "gap.xlsx")
    assert first.status_code == 422
    page = html(first)
    assert "Overskrifterne er læst i række 4 på arket „Fund og anbefalinger“." in page
    assert "1 kolonner kan ikke placeres. Intet er gemt." in page and "Konsulentens note" in page
    assert "haster" in page  # an example from the column helps the user decide
    assert saved(app) == {} and sorted(p.suffix for p in uploads_in(app)) == [".name", ".xlsx"]

    placed = place(client, assessment_id, page, {7: "ignore"})
    assert placed.status_code == 200
    page = html(placed)
    assert "5 fund oprettes, 0 opdateres" in page and "Springes over (dit valg)" in page
    assert "Gennemgang af gap.xlsx" in page  # the name the user uploaded, not the kept file's
    preview = re.search(r'<table class="table table--compact table--zebra import-rows">.*?</table>', page, re.S)[0]
    for text in ("CIS 6", "CIS 3, CIS 11", "Informationssikkerhed", "45.000 kr.", "120.000 kr.", "75.000 kr.",
                 "Høj (over 250.000 kr.)", "31. mar. 2026", "1. jun. 2026", "1 – straks"):
        assert text in preview, text
    assert saved(app) == {}  # nothing stored before the confirm

    assert confirm(client, assessment_id, page).status_code == 302
    check_saved(app, import_units)
    with app.app_context():
        assert db.session.execute(sa.select(ImportColumn.source, ImportColumn.header, ImportColumn.field)).all() == [
            ("radgiver a s", "konsulentens note", "ignore")]


def test_the_choice_is_remembered_for_the_next_file_from_the_same_source_only(app, client, login, import_units,
                                                                              make_assessment):
    first = make_assessment(assessor_name=CONSULTANT)
    login("security")
    page = html(upload(client, first, consultant_workbook(), "gap.xlsx"))
    assert place(client, first, page, {7: "description"}).status_code == 200

    same_source = make_assessment(name="Opfølgning", assessor_name="RÅDGIVER A/S")
    page = html(upload(client, same_source, consultant_workbook(), "gap-2.xlsx"))
    assert "5 fund oprettes" in page and "(valget er husket for denne kilde)" in page
    assert confirm(client, same_source, page).status_code == 302
    assert saved(app)["R-1"].description == "haster"  # the column was read as the description, as chosen

    other_source = make_assessment(name="Anden rådgiver", assessor_name="Andet Firma ApS")
    page = html(upload(client, other_source, consultant_workbook(), "gap-3.xlsx"))
    assert "1 kolonner kan ikke placeres" in page


def test_an_unplaced_column_left_unchosen_keeps_asking_and_saves_nothing(app, client, login, import_units,
                                                                         make_assessment):
    assessment_id = make_assessment(assessor_name=CONSULTANT)
    login("security")
    page = html(upload(client, assessment_id, consultant_workbook(), "gap.xlsx"))
    again = place(client, assessment_id, page, {7: ""})
    assert again.status_code == 422 and "1 kolonner kan ikke placeres" in html(again)
    forged = place(client, assessment_id, page, {7: "priority_override"})  # not a field the import can fill
    assert "1 kolonner kan ikke placeres" in html(forged)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(ImportColumn.id))).scalar() == 0
    assert saved(app) == {}


@pytest.mark.parametrize("delimiter, bom", [(";", True), (";", False), (",", True), (",", False)])
def test_csv_files_with_a_title_row_import_in_every_dialect(app, client, login, import_units, make_assessment,
                                                            delimiter, bom):
    assessment_id = make_assessment(assessor_name=CONSULTANT)
    rows = [["Gap-analyse 2026"], [], HEADER[:7]] + [row[:7] for row in ROWS]
    rows[4][5] = "IT-drift"  # a CSV file has no merged cells
    login("security")
    page = html(upload(client, assessment_id, csv_bytes(rows, delimiter=delimiter, bom=bom), "gap.csv"))
    assert "Overskrifterne er læst i række 3." in page and "5 fund oprettes" in page, page
    assert confirm(client, assessment_id, page).status_code == 302
    check_saved(app, import_units)


def test_a_reimport_shows_what_changes_from_what_to_what(app, client, login, import_units, make_assessment):
    assessment_id = make_assessment(assessor_name=CONSULTANT)
    login("security")
    rows = [HEADER[:7]] + [row[:7] for row in ROWS]
    rows[2][5] = "IT-drift"
    assert confirm(client, assessment_id, html(upload(client, assessment_id, csv_bytes(rows), "a.csv"))
                   ).status_code == 302
    rows[1][4] = "300.000 kr."  # dearer, so its priority drops
    rows[1][6] = "30-06-2026"
    rows[3][2] = "CIS 11"
    page = html(upload(client, assessment_id, csv_bytes(rows), "b.csv"))
    assert "0 fund oprettes, 2 opdateres og 3 er uændrede" in page
    changes = " ".join(re.findall(r"<li>([^<]*)</li>", page)).replace("&gt;", ">")
    assert "Omkostning: Lav (under 50.000 kr.) → Høj (over 250.000 kr.)" in changes
    assert "Beløb (kr.): 45.000 kr. → 300.000 kr." in changes
    assert "Frist: 31-03-2026 → 30-06-2026" in changes
    assert "CIS-kontrol og krav: CIS 3, CIS 11 → CIS 11" in changes
    assert confirm(client, assessment_id, page).status_code == 302
    r1 = saved(app)["R-1"]
    assert (r1.cost, r1.cost_estimate_dkk, r1.due_on) == (CostLevel.HIGH, 300000, dt.date(2026, 6, 30))


def test_a_value_that_cannot_be_read_is_shown_beside_its_cell(app, client, login, import_units, make_assessment):
    assessment_id = make_assessment(assessor_name=CONSULTANT)
    rows = [row[:] for row in ROWS]
    rows[0][4] = "cirka en del"
    rows[2][6] = "31. smarts 2026"
    login("security")
    page = html(place(client, assessment_id, html(upload(client, assessment_id, consultant_workbook(rows),
                                                         "gap.xlsx")), {7: "ignore"}))
    errors = re.findall(r'<tr><td>([^<]*)</td><td class="num">(\d+)</td><td>([^<]*)</td>'
                        r'<td class="cell-value">([^<]*)</td><td>([^<]*)</td></tr>', page)
    assert [(s, int(r), c, v) for s, r, c, v, _m in errors] == [
        ("Fund og anbefalinger", 5, "E (Anslået omkostning (kr.))", "cirka en del"),
        ("Fund og anbefalinger", 7, "G (Frist)", "31. smarts 2026")]
    assert "Filen har 2 fejl. Intet er gemt." in page and saved(app) == {}


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_a_workbook_saved_by_libreoffice_imports(app, client, login, import_units, make_assessment, tmp_path):
    source = tmp_path / "konsulent.xlsx"
    source.write_bytes(consultant_workbook())
    out = tmp_path / "libreoffice"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(source)],
                   check=True, capture_output=True, timeout=180)
    data = (out / "konsulent.xlsx").read_bytes()
    assert data != source.read_bytes()
    assessment_id = make_assessment(assessor_name=CONSULTANT)
    login("security")
    page = html(upload(client, assessment_id, data, "konsulent.xlsx"))
    assert "Overskrifterne er læst i række 4" in page
    page = html(place(client, assessment_id, page, {7: "ignore"}))
    assert "5 fund oprettes" in page, page
    assert confirm(client, assessment_id, page).status_code == 302
    check_saved(app, import_units)
