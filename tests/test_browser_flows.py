"""The main flows end to end in a real browser: assess a requirement, import findings, log an exercise."""
import datetime as dt
import re

import pytest
import sqlalchemy as sa

from register.catalogs.models import Requirement
from register.extensions import db
from register.gap.models import Assessment, AssessorKind, Finding
from register.preparedness.models import Exercise
from register.requirements.models import ImplementationStatus, RequirementAssessment

from browser import log_in


def requirement_id(app, ref: str) -> int:
    with app.app_context():
        return db.session.execute(sa.select(Requirement.id).where(Requirement.ref == ref)).scalar_one()


def test_update_a_requirement_assessment(app, page, site, users, catalogs, make_unit):
    make_unit(name="IT-drift")
    req = requirement_id(app, "21.2.d")
    log_in(page, site, "security")
    page.goto(f"{site}/krav/{req}")
    page.click(f"main a[href='/krav/{req}/vurdering']")
    page.select_option("#status", "implemented")
    page.select_option("#maturity", "3")
    page.select_option("#responsible_unit_id", label="IT-drift")
    page.fill("#notes", "Leverandøraftaler gennemgået i juni.")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{site}/krav/{req}")
    assert "Vurderingen er gemt." in page.inner_text("main")
    assert "Implementeret" in page.inner_text("main")
    with app.app_context():
        saved = db.session.execute(sa.select(RequirementAssessment).where(
            RequirementAssessment.requirement_id == req)).scalar_one()
        assert (saved.status, saved.maturity, saved.notes) == (
            ImplementationStatus.IMPLEMENTED, 3, "Leverandøraftaler gennemgået i juni.")


def test_import_findings_through_the_preview(app, page, site, users, catalogs):
    with app.app_context():
        assessment = Assessment(name="Ekstern gap-analyse 2026", assessed_on=dt.date(2026, 3, 1),
                                assessor_kind=AssessorKind.EXTERNAL, method="CIS Controls v8")
        db.session.add(assessment)
        db.session.commit()
        assessment_id = assessment.id
    rows = ["Id;Titel;Kritikalitet;Krav", "F-1;Ingen MFA på fjernadgang;Kritisk;nis2:21.2.j",
            "F-2;Backup testes ikke;Høj;"]
    log_in(page, site, "security")
    page.goto(f"{site}/gap-analyse/vurderinger/{assessment_id}/import")
    page.set_input_files("#file", files=[{"name": "fund.csv", "mimeType": "text/csv",
                                          "buffer": "\n".join(rows).encode("utf-8")}])
    page.click("main button[type=submit]")
    preview = page.inner_text("main")
    assert "Ingen MFA på fjernadgang" in preview and "Backup testes ikke" in preview
    with app.app_context():  # a preview stores nothing
        assert db.session.execute(sa.select(sa.func.count(Finding.id))).scalar() == 0
    page.click("main form[action$='/import/bekraeft'] button[type=submit]")
    page.wait_for_url(f"{site}/gap-analyse/vurderinger/{assessment_id}")
    assert "Importen er gennemført: 2 oprettet" in page.inner_text("main")
    with app.app_context():
        titles = set(db.session.execute(sa.select(Finding.title)).scalars())
        assert titles == {"Ingen MFA på fjernadgang", "Backup testes ikke"}


def test_log_an_exercise_with_an_evaluation_and_see_it_in_the_aarshjul(app, page, site, users):
    held = dt.date.today() - dt.timedelta(days=1 if dt.date.today().day > 1 else 0)
    log_in(page, site, "preparedness")
    page.goto(f"{site}/oevelser/ny")
    page.fill("#title", "Dilemmaøvelse om strømsvigt")
    page.select_option("#exercise_type", "dilemma")
    page.select_option("#level", "board")
    page.fill("#held_on", held.isoformat())
    page.fill("#scenario", "Strømmen er væk i 36 timer.")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(re.escape(site) + r"/oevelser/\d+$"))
    exercise_id = int(page.url.rsplit("/", 1)[1])
    page.click(f"main a[href='/oevelser/{exercise_id}/evaluering']")
    page.fill("#evaluation_purpose", "Afprøve krisestabens beslutninger")
    page.fill("#observations", "Observatører noterede beslutninger og tider")
    page.fill("#criteria_assessment", "Krisestaben samlet inden 1 time: nået")
    page.fill("#must_improve", "Kontaktlister var forældede")
    page.fill("#evaluated_on", held.isoformat())
    page.click("main button[type=submit]")
    page.wait_for_url(f"{site}/oevelser/{exercise_id}")
    detail = page.inner_text("main")
    assert "Evalueret" in detail and "Kontaktlister var forældede" in detail
    with app.app_context():
        exercise = db.session.get(Exercise, exercise_id)
        assert exercise.evaluation_complete and exercise.held_on == held
    page.goto(f"{site}/aarshjul/?year={held.year}")
    assert page.locator("h1").count() == 1
    assert "Dilemmaøvelse om strømsvigt" in page.inner_text("main")


@pytest.mark.parametrize("role", ["security"])
def test_edit_an_assessment_with_the_keyboard_only(app, page, site, users, catalogs, role):
    req = requirement_id(app, "21.2.d")
    log_in(page, site, role)
    page.goto(f"{site}/krav/{req}/vurdering")
    page.focus("#status")  # reached by Tab from the skip link in real use; the rest is keys only
    page.keyboard.press("End")  # the last status: Implementeret
    for _ in range(60):  # Tab on to the save button, typing the notes on the way
        page.keyboard.press("Tab")
        focused = page.evaluate("[document.activeElement.id, document.activeElement.tagName, "
                                "document.activeElement.type]")
        if focused[0] == "notes":
            page.keyboard.type("Gennemgået med tastatur alene.")
        if focused[1] == "BUTTON" and focused[2] == "submit":
            break
    else:
        pytest.fail("the save button cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site}/krav/{req}")
    assert "Vurderingen er gemt." in page.inner_text("main")
    with app.app_context():
        saved = db.session.execute(sa.select(RequirementAssessment).where(
            RequirementAssessment.requirement_id == req)).scalar_one()
        assert saved.status == ImplementationStatus.IMPLEMENTED and saved.notes == "Gennemgået med tastatur alene."


def test_find_and_link_one_of_many_controls_by_typing(app, page, site, users, catalogs):
    from register.controls.models import Control, ControlRequirement, ControlStatus
    from register.core.picker import SHOW_ALL_UP_TO
    with app.app_context():
        db.session.add_all([Control(title=f"Tiltag {i:04d}", status=ControlStatus.PLANNED)
                            for i in range(SHOW_ALL_UP_TO + 1)])
        db.session.add(Control(title="Logning af administratoradgang", status=ControlStatus.PLANNED))
        db.session.commit()
    req = requirement_id(app, "21.2.d")
    log_in(page, site, "security")
    page.goto(f"{site}/krav/{req}")
    assert page.locator("#control_id").count() == 0  # no select with every control
    page.locator("#tiltag_soeg").press_sequentially("logning", delay=30)
    page.wait_for_selector("#control_id option:has-text('Logning af administratoradgang')", state="attached")
    assert page.evaluate("document.activeElement.id") == "tiltag_soeg"  # typing was never interrupted
    assert "1 passer." in page.inner_text("#tiltag_soeg-matches")
    page.select_option("#control_id", label="Logning af administratoradgang")
    page.click("#tiltag_soeg-matches button[type=submit]")
    page.wait_for_url(re.compile(rf"{site}/krav/{req}"))
    assert "Tiltaget er tilknyttet." in page.inner_text("main")
    with app.app_context():
        linked = db.session.execute(sa.select(Control.title).join(
            ControlRequirement, ControlRequirement.control_id == Control.id)).scalar_one()
    assert linked == "Logning af administratoradgang"
