"""A consultant's workbook through the import in a real browser: place the unknown column, read the preview
(accessible, every field shown), confirm; and the action plan's municipality-wide list with its amounts."""
import datetime as dt

import sqlalchemy as sa

from register.extensions import db
from register.gap.models import Assessment, AssessorKind, Finding

from browser import log_in, serious_violations
from test_gap_import_workbooks import CONSULTANT, consultant_workbook


def test_import_a_consultants_workbook_and_see_the_amounts_in_the_plan(app, page, site, users, catalogs,
                                                                       make_unit, tmp_path):
    make_unit(name="IT-drift")
    make_unit(name="Informationssikkerhed")
    with app.app_context():
        assessment = Assessment(name="Rådgivers gap-analyse", assessed_on=dt.date(2026, 3, 12),
                                assessor_kind=AssessorKind.EXTERNAL, assessor_name=CONSULTANT,
                                method="CIS Controls v8")
        db.session.add(assessment)
        db.session.commit()
        assessment_id = assessment.id
    log_in(page, site, "security")
    page.goto(f"{site}/gap-analyse/vurderinger/{assessment_id}/import")
    page.set_input_files("#file", files=[{"name": "gap.xlsx", "buffer": consultant_workbook(),
                                          "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml"
                                                      ".sheet"}])
    page.click("main button[type=submit]")
    assert "Konsulentens note" in page.inner_text("main")
    assert serious_violations(page) == []
    page.select_option("#kolonne_7", label="Spring kolonnen over")
    page.click("main form.place-columns button[type=submit]")
    preview = page.inner_text("main")
    assert "5 fund oprettes" in preview and "120.000 kr." in preview and "CIS 3, CIS 11" in preview
    assert serious_violations(page) == []
    page.screenshot(path=str(tmp_path / "preview.png"), full_page=True)
    page.click("main form[action$='/import/bekraeft'] button[type=submit]")
    page.wait_for_url(f"{site}/gap-analyse/vurderinger/{assessment_id}")
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Finding.id))).scalar() == 5

    page.goto(f"{site}/gap-analyse/handlingsplan?gruppering=prioritet")
    plan = page.inner_text("main")
    assert "Anslåede beløb i hele kommunen" in plan and "285.000 kr." in plan  # 45,000 + 120,000 + 45,000 + 75,000
    assert serious_violations(page) == []
    page.screenshot(path=str(tmp_path / "plan.png"), full_page=True)
