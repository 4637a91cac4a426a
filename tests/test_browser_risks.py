"""Risks and suppliers in a real browser: enter, link, review, accept, report; every page checked with axe."""
import sqlalchemy as sa

from register.controls.models import Control
from register.core.dates import local_today
from register.extensions import db
from register.risks.models import Risk, RiskAcceptance
from register.suppliers.models import Supplier, SupplierRisk

from browser import serious_violations
from browser import log_in


def test_enter_link_review_and_accept_a_risk_and_a_supplier(app, page, site, users, catalogs, make_unit):
    make_unit(name="IT-drift")
    with app.app_context():
        db.session.add(Control(title="Offline backup af fællesdrev"))
        db.session.commit()
    log_in(page, site, "security")
    problems = {}

    def check(label):
        if found := serious_violations(page):
            problems[label] = found

    page.goto(f"{site}/risici/")
    check("risk list, empty")
    page.click("main a[href='/risici/ny']")
    page.click("main button[type=submit]")  # nothing filled in: the errors are shown, nothing is saved
    assert "Risikoen skal have en titel." in page.inner_text("main")
    check("risk form with errors")
    page.fill("#title", "Ransomware krypterer fællesdrev")
    page.select_option("#owner_unit_id", label="IT-drift")
    page.select_option("#inherent_likelihood", "4")
    page.select_option("#inherent_consequence", "5")
    page.select_option("#residual_likelihood", "2")
    page.select_option("#residual_consequence", "3")
    page.select_option("#treatment", "accept")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{site}/risici/*")
    risk_url = page.url
    assert "Risikoen er oprettet." in page.inner_text("main") and "Afventer accept" in page.inner_text("main")
    page.select_option("#tiltag-target_id", label="Offline backup af fællesdrev")
    page.click("form[action$='/kobling/tiltag'] button[type=submit]")
    assert "Koblingen er oprettet." in page.inner_text("main")
    page.fill("#reviewed_by", "Informationssikkerhedsudvalget")
    page.click("form[action$='/gennemgang'] button[type=submit]")
    assert "Gennemgangen er registreret." in page.inner_text("main")
    page.select_option("#body", "executive")
    page.fill("#body_name", "Direktionen")
    page.fill("#reference", "Møde 3, punkt 2")
    page.click("form[action$='/accept'] button[type=submit]")
    text = page.inner_text("main")
    assert "Accepten er registreret." in text and "Møde 3, punkt 2" in text
    check("risk page")
    with app.app_context():
        risk = db.session.execute(sa.select(Risk)).scalar_one()
        assert (risk.residual_likelihood, risk.residual_consequence) == (2, 3)
        assert risk.last_reviewed_on is not None and risk.next_review_on is not None
        assert db.session.execute(sa.select(RiskAcceptance.body_name)).scalar_one() == "Direktionen"

    page.goto(f"{site}/risici/")
    check("risk list with the heat map")
    page.click("table.heat-map a")  # the one filled cell lists its risk
    assert "Ransomware krypterer fællesdrev" in page.inner_text("#liste ~ table, main")

    page.goto(f"{site}/leverandoerer/ny")
    page.fill("#name", "Fælles kommunalt datacenter")
    page.select_option("#criticality", "critical")
    page.fill("#contract_ends_on", "2028-06-30")
    page.check("#processes_personal_data")
    page.check("#obliged_incident_notice")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{site}/leverandoerer/*")
    assert "Mangler databehandleraftale" in page.inner_text("main")
    page.fill("#name", "Hosting af servere")
    page.click("form[action$='/ydelser'] button[type=submit]")
    page.select_option("#risici-target_id", label="Ransomware krypterer fællesdrev")
    page.click("form[action$='/kobling/risici'] button[type=submit]")
    page.fill("#reviewed_by", "Informationssikkerhedskoordinator")
    page.select_option("#result", "remarks")
    page.click("form[action$='/gennemgang'] button[type=submit]")
    text = page.inner_text("main")
    assert "Hosting af servere" in text and "Med bemærkninger" in text
    check("supplier page")
    page.goto(f"{site}/leverandoerer/")
    check("supplier list")
    with app.app_context():
        assert db.session.execute(sa.select(Supplier.name)).scalar_one() == "Fælles kommunalt datacenter"
        assert db.session.execute(sa.select(sa.func.count(SupplierRisk.id))).scalar_one() == 1
    page.goto(risk_url)
    assert "Fælles kommunalt datacenter" in page.inner_text("main")

    page.goto(f"{site}/rapporter/vis?year={local_today().year}")
    assert "Risikomatrix: restrisiko" in page.inner_text("main")
    check("report page")
    assert problems == {}
