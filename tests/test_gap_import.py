"""Importing findings: preview first, all rows or none, re-import updates, header variants, errors by row/column."""
import datetime as dt
import re

import pytest
import sqlalchemy as sa

from register.core.history import ChangeLog
from register.extensions import db
from register.gap import importer
from register.gap.models import CostLevel, Finding, FindingRequirement, FindingStatus, Severity

from conftest import html
from gap_helpers import confirm, csv_bytes, upload, uploads_in, xlsx_bytes

HEADER = ["Id", "Titel", "Beskrivelse", "CIS-kontrol", "Krav", "Kritikalitet", "Omkostning", "Indsats",
          "Ansvarlig enhed", "Ejer", "Frist", "Status"]
GOOD = [
    HEADER,
    ["GAP-01", "Ingen samlet aktivfortegnelse", "Servere og klienter er ikke registreret ét sted.", "CIS 1",
     "nis2:21.2.d", "Høj", "Middel", "20 dage", "IT-drift", "Jonas Krogh", "2025-09-30", "Åben"],
    ["GAP-02", "Ingen MFA på fjernadgang", None, "CIS 6; 5", None, "Kritisk", "Lav", "5 dage", "IT-drift",
     "Jonas Krogh", dt.date(2025, 6, 30), "I gang"],
    ["GAP-03", "Sårbarhedsscanning mangler", None, "7.1", None, "Middel", "120.000 kr.", None, "Informationssikkerhed",
     None, "31-12-2025", None],
]


def count(app, model) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()


def test_a_good_file_is_previewed_then_stored_on_confirm(app, client, login, import_units, make_assessment):
    assessment_id = make_assessment()
    login("security")
    preview = upload(client, assessment_id, xlsx_bytes(GOOD), "fund.xlsx")
    assert preview.status_code == 200
    page = html(preview)
    assert "Intet er gemt endnu" in page and "3 fund oprettes, 0 opdateres" in page
    assert page.count("Oprettes") == 3 and "GAP-02" in page and "Ingen MFA på fjernadgang" in page
    assert count(app, Finding) == 0  # nothing stored but the file (and its name), kept server-side
    assert sorted(p.suffix for p in uploads_in(app)) == [".name", ".xlsx"]

    done = confirm(client, assessment_id, page)
    assert done.status_code == 302
    assert "3 oprettet, 0 opdateret" in html(client.get(done.headers["Location"]))
    assert uploads_in(app) == []
    with app.app_context():
        rows = {f.external_id: f for f in db.session.execute(sa.select(Finding)).scalars()}
        assert set(rows) == {"GAP-01", "GAP-02", "GAP-03"}
        mfa = rows["GAP-02"]
        assert (mfa.severity, mfa.cost, mfa.status, mfa.due_on) == (Severity.CRITICAL, CostLevel.LOW,
                                                                    FindingStatus.IN_PROGRESS, dt.date(2025, 6, 30))
        assert mfa.assessment_id == assessment_id and mfa.identified_on == dt.date(2025, 3, 12)
        assert mfa.unit_id == import_units["IT-drift"] and mfa.effort == "5 dage" and mfa.owner == "Jonas Krogh"

        def refs(finding):
            return sorted(link.requirement.full_ref for link in db.session.execute(
                sa.select(FindingRequirement).where(FindingRequirement.finding_id == finding.id)).scalars())

        assert refs(mfa) == ["cis-v8:5", "cis-v8:6"]
        assert refs(rows["GAP-01"]) == ["cis-v8:1", "nis2:21.2.d"]
        assert refs(rows["GAP-03"]) == ["cis-v8:7"]  # safeguard 7.1 counts under control 7
        scan = rows["GAP-03"]
        assert (scan.cost, scan.cost_estimate_dkk, scan.status) == (CostLevel.MEDIUM, 120000, FindingStatus.OPEN)
        assert scan.due_on == dt.date(2025, 12, 31)


def test_a_file_with_every_kind_of_error_stores_nothing_and_reports_row_and_column(app, client, login, import_units,
                                                                                   make_assessment):
    assessment_id = make_assessment()
    bad = [
        HEADER,
        ["GAP-01", "Dato findes ikke", None, "CIS 1", None, "Høj", None, None, "IT-drift", None, "31-02-2025", None],
        ["GAP-02", "Enhed findes ikke", None, "CIS 2", None, "Høj", None, None, "Ukendt afdeling", None, None, None],
        ["GAP-03", "Kontrol findes ikke", None, "CIS 42", None, "Høj", None, None, None, None, None, None],
        ["GAP-04", None, None, "CIS 4", None, "Høj", None, None, None, None, None, None],
        ["GAP-01", "Samme id igen", None, "CIS 5", None, "Lav", None, None, None, None, None, None],
        ["GAP-06", "Ukendt krav og kritikalitet", None, None, "nis2:99.9", "Enorm", None, None, None, None, None, None],
        ["GAP-07", "Lukket uden dato", None, None, None, "Lav", None, None, None, None, None, "Lukket"],
        ["GAP-08", "Godt fund", None, "CIS 8", None, "Lav", None, None, None, None, None, None],
    ]
    login("security")
    for data, name in ((xlsx_bytes(bad), "fejl.xlsx"), (csv_bytes(bad), "fejl.csv")):
        response = upload(client, assessment_id, data, name)
        assert response.status_code == 422
        page = html(response)
        assert "Filen har 8 fejl. Intet er gemt." in page
        errors = re.findall(r'<tr><td>([^<]*)</td><td class="num">(\d+)</td><td>([^<]*)</td>'
                            r'<td class="cell-value">([^<]*)</td><td>([^<]*)</td></tr>', page)
        found = {(int(row), column) for _sheet, row, column, _value, _message in errors}
        assert found == {(2, "K (Frist)"), (3, "I (Ansvarlig enhed)"), (4, "D (CIS-kontrol)"), (5, "B (Titel)"),
                         (6, "A (Id)"), (7, "E (Krav)"), (7, "F (Kritikalitet)"), (8, "L (Status)")}
        assert {sheet for sheet, *_rest in errors} == ({"Sheet"} if name.endswith("xlsx") else {"—"})
        values = {(int(row), value) for _sheet, row, _column, value, _message in errors}
        assert {(2, "31-02-2025"), (3, "Ukendt afdeling"), (4, "CIS 42"), (6, "GAP-01"), (7, "Enorm")} <= values
        messages = " ".join(message for *_rest, message in errors)
        for text in ("Ugyldig dato „31-02-2025“", "Ukendt enhed „Ukendt afdeling“", "Ukendt CIS-kontrol „CIS 42“",
                     "Titel mangler.", "Id „GAP-01“ står også i række 2.", "Ukendt krav „nis2:99.9“",
                     "Ukendt kritikalitet „Enorm“", "Et lukket fund skal have en lukkedato."):
            assert text in messages.replace("&#34;", '"'), text
        assert "Bekræft og gem" not in page and 'name="token"' not in page
        assert "GAP-08" in page  # the good row is still shown
    assert count(app, Finding) == 0 and count(app, FindingRequirement) == 0 and uploads_in(app) == []
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(ChangeLog.id)).where(
            ChangeLog.entity.like("gap_finding%"))).scalar() == 0


def test_missing_required_columns_are_reported_on_the_header_row(app, client, login, make_assessment):
    assessment_id = make_assessment()
    login("security")
    page = html(upload(client, assessment_id, csv_bytes([["Beskrivelse", "Frist"], ["x", "2025-01-01"]]), "f.csv"))
    assert "Kolonnen „Id“ mangler" in page and "Kolonnen „Titel“ mangler" in page
    assert "Kolonnen „Kritikalitet“ mangler" in page
    assert count(app, Finding) == 0


def test_reimporting_the_same_file_updates_and_never_duplicates(app, client, login, import_units, make_assessment):
    assessment_id = make_assessment()
    login("security")
    assert confirm(client, assessment_id, html(upload(client, assessment_id, xlsx_bytes(GOOD), "f.xlsx"))
                   ).status_code == 302
    with app.app_context():
        ids = dict(db.session.execute(sa.select(Finding.external_id, Finding.id)).all())

    again = html(upload(client, assessment_id, xlsx_bytes(GOOD), "f.xlsx"))
    assert "0 fund oprettes, 0 opdateres og 3 er uændrede" in again

    changed = [row[:] for row in GOOD]
    changed[2][1] = "MFA mangler på al fjernadgang"
    changed[2][3] = "CIS 6"
    changed[3][11] = "Lukket"
    changed[3] = changed[3] + ["2025-11-01"]
    changed[0] = changed[0] + ["Lukket dato"]
    page = html(upload(client, assessment_id, xlsx_bytes(changed), "f.xlsx"))
    assert "0 fund oprettes, 2 opdateres og 1 er uændrede" in page
    assert confirm(client, assessment_id, page).status_code == 302
    with app.app_context():
        rows = {f.external_id: f for f in db.session.execute(sa.select(Finding)).scalars()}
        assert {k: f.id for k, f in rows.items()} == ids  # same records
        assert rows["GAP-02"].title == "MFA mangler på al fjernadgang"
        assert [link.requirement.ref for link in db.session.execute(sa.select(FindingRequirement).where(
            FindingRequirement.finding_id == rows["GAP-02"].id)).scalars()] == ["6"]
        assert (rows["GAP-03"].status, rows["GAP-03"].closed_on) == (FindingStatus.CLOSED, dt.date(2025, 11, 1))
        assert rows["GAP-02"].version == 2 and rows["GAP-01"].version == 1


@pytest.mark.parametrize("fmt", ["csv-semicolon", "csv-comma", "csv-no-bom", "xlsx"])
def test_header_variants_in_any_order(app, client, login, import_units, make_assessment, fmt):
    assessment_id = make_assessment()
    rows = [
        ["Due date", "Criticality", "Finding ID", "CIS Controls", "Responsible unit", "Title", "Estimated cost",
         "Owner", "state", "Closure evidence", "Closed on"],
        ["30.06.2025", "high", "EXT-1", "CIS-4, 12", "it-drift", "Standardkonfiguration mangler", "high", "Ida",
         "open", None, None],
        ["2025-12-01", "Low", "EXT-2", "Control 14", "Informationssikkerhed", "Awareness-træning", "30000", None,
         "Closed", "Kursusbeviser for alle", "2025-05-02"],
    ]
    data = xlsx_bytes(rows) if fmt == "xlsx" else csv_bytes(
        rows, delimiter=";" if fmt == "csv-semicolon" else ",", bom=fmt != "csv-no-bom")
    login("security")
    page = html(upload(client, assessment_id, data, "fund." + ("xlsx" if fmt == "xlsx" else "csv")))
    assert "2 fund oprettes" in page, page
    assert confirm(client, assessment_id, page).status_code == 302
    with app.app_context():
        rows = {f.external_id: f for f in db.session.execute(sa.select(Finding)).scalars()}
        first, second = rows["EXT-1"], rows["EXT-2"]
        assert (first.title, first.severity, first.cost, first.due_on, first.unit_id, first.owner) == (
            "Standardkonfiguration mangler", Severity.HIGH, CostLevel.HIGH, dt.date(2025, 6, 30),
            import_units["IT-drift"], "Ida")
        assert (second.status, second.closed_on, second.closure_evidence, second.cost) == (
            FindingStatus.CLOSED, dt.date(2025, 5, 2), "Kursusbeviser for alle", CostLevel.LOW)
        assert count(app, FindingRequirement) == 3


def test_header_normalisation_and_value_words():
    assert importer.normalise_header("  Fund-ID (nr.) ") == "fund id"
    assert importer.HEADER_INDEX[importer.normalise_header("ANSVARLIG_ENHED")] == "unit"
    assert importer.cis_ref("CIS 07") == "7" and importer.cis_ref("kontrol 18") == "18"
    assert importer.cis_ref("7.1") == "7" and importer.cis_ref("nis2") is None
    assert importer.parse_amount("1.250.000 kr.") == 1250000
    assert importer.cost_for_amount(49_999) == CostLevel.LOW and importer.cost_for_amount(250_000) == CostLevel.HIGH


def test_confirm_never_trusts_the_browser(app, client, login, import_units, make_assessment):
    assessment_id = make_assessment()
    login("security")
    page = html(upload(client, assessment_id, xlsx_bytes(GOOD), "f.xlsx"))
    forged = client.post(f"/gap-analyse/vurderinger/{assessment_id}/import/bekraeft",
                         data={"token": "A" * 32, "title": "Indsmuglet", "rows": "GAP-99"})
    assert forged.status_code == 302
    assert "Importen er udløbet" in html(client.get(forged.headers["Location"]))
    login("admin")  # another user cannot use someone else's upload either
    assert confirm(client, assessment_id, page).status_code == 302
    assert count(app, Finding) == 0


def test_confirm_parses_again_and_refuses_if_the_data_changed(app, client, login, import_units, make_assessment):
    assessment_id = make_assessment()
    login("security")
    page = html(upload(client, assessment_id, xlsx_bytes(GOOD), "f.xlsx"))
    with app.app_context():
        from register.organisation.models import Unit

        db.session.get(Unit, import_units["IT-drift"]).active = False
        db.session.commit()
    response = confirm(client, assessment_id, page)
    assert response.status_code == 422 and "Enheden „IT-drift“ er inaktiv." in html(response)
    assert count(app, Finding) == 0


def test_unreadable_and_wrong_files_are_refused(app, client, login, make_assessment):
    assessment_id = make_assessment()
    login("security")
    broken = upload(client, assessment_id, b"not a zip", "fund.xlsx")
    assert broken.status_code == 422 and "kan ikke læses som et Excel-regneark" in html(broken)
    wrong = upload(client, assessment_id, b"x", "fund.pdf")
    assert wrong.status_code == 422 and "XLSX- eller CSV-fil" in html(wrong)
    assert count(app, Finding) == 0


def test_the_template_downloads_and_imports_cleanly(app, client, login, make_assessment):
    assessment_id = make_assessment()
    login("board")
    response = client.get("/gap-analyse/import/skabelon.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    from openpyxl import load_workbook
    import io

    workbook = load_workbook(io.BytesIO(response.data))
    headers = [c.value for c in workbook["Fund"][1]]
    assert headers[:3] == ["Id", "Titel", "Beskrivelse"] and "Frist" in headers
    assert "CIS 18" in [row[0].value for row in workbook["Vejledning"].iter_rows()]
    filled = [headers, ["T-1", "Fra skabelonen"] + [None] * 3 + ["Lav"] + [None] * (len(headers) - 6)]
    login("security")
    page = html(upload(client, assessment_id, xlsx_bytes(filled), "skabelon.xlsx"))
    assert "1 fund oprettes" in page
