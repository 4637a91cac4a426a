"""The supplier register: entering, services, agreements, obligations, reviews, links, list and exports."""
import datetime as dt
import io

import pytest
import sqlalchemy as sa

from register.controls.models import Control
from register.core.dates import local_today
from register.extensions import db
from register.suppliers.models import Criticality, ReviewResult, Supplier, SupplierReview, SupplierService

from conftest import html
from test_risks import make_risk


def _supplier_form(**overrides):
    return {"name": "KOMBIT", "cvr": "19435075", "description": "Kommunernes it-fællesskab",
            "contact_name": "Kontakt Person", "contact_email": "kontakt@example.org", "owner_unit_id": "",
            "criticality": "critical", "contract_signed_on": "2020-01-01", "contract_ends_on": "2027-12-31",
            "processes_personal_data": "y", "dpa_signed_on": "2020-01-01", "obliged_incident_notice": "y",
            "obliged_audit_right": "y", "obligations_note": "", "next_review_on": "", "version": "0"} | overrides


def _create(client, **overrides) -> int:
    response = client.post("/leverandoerer/ny", data=_supplier_form(**overrides))
    assert response.status_code == 302, html(response)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def make_supplier(app, **overrides) -> int:
    with app.app_context():
        supplier = Supplier(**({"name": "Leverandør", "criticality": Criticality.MEDIUM} | overrides))
        db.session.add(supplier)
        db.session.commit()
        return supplier.id


def test_enter_and_edit_a_supplier_with_services_and_history(app, client, login, make_unit):
    unit = make_unit(name="Digitalisering")
    login("security")
    sid = _create(client, owner_unit_id=str(unit))
    response = client.post(f"/leverandoerer/{sid}/ydelser", data={"name": "Serviceplatformen",
                                                                  "criticality": "critical"})
    assert response.status_code == 302
    page = html(client.get(f"/leverandoerer/{sid}"))
    assert "KOMBIT" in page and "Serviceplatformen" in page and "Digitalisering" in page and "Kritisk" in page
    assert "Hændelsesunderretning</span>" not in page and "Hændelsesunderretning: Ja" in page
    with app.app_context():
        version = db.session.get(Supplier, sid).version
    response = client.post(f"/leverandoerer/{sid}/rediger", data=_supplier_form(
        owner_unit_id=str(unit), criticality="high", version=str(version)))
    assert response.status_code == 302, html(response)
    assert "<del>Kritisk</del> → <ins>Høj</ins>" in html(client.get(f"/leverandoerer/{sid}"))  # labels, not codes
    with app.app_context():
        service_id = db.session.execute(sa.select(SupplierService.id)).scalar_one()
    assert client.post(f"/leverandoerer/{sid}/ydelser/{service_id}/fjern").status_code == 302
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(SupplierService.id))).scalar_one() == 0


def test_bad_dates_are_refused_and_change_nothing(app, client, login):
    login("security")
    response = client.post("/leverandoerer/ny", data=_supplier_form(contract_ends_on="2019-01-01"))
    assert response.status_code == 422 and "Kontrakten kan ikke udløbe, før den er indgået." in html(response)
    response = client.post("/leverandoerer/ny", data=_supplier_form(processes_personal_data=""))
    assert response.status_code == 422 and "databehandleraftale forudsætter" in html(response)
    response = client.post("/leverandoerer/ny", data=_supplier_form(name="", contract_ends_on="31-12"))
    assert response.status_code == 422 and "Leverandøren skal have et navn." in html(response)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Supplier.id))).scalar_one() == 0


def test_review_records_the_result_and_the_next_date(app, client, login):
    sid = make_supplier(app, name="KMD")
    login("security")
    response = client.post(f"/leverandoerer/{sid}/gennemgang", data={
        "reviewed_on": "2026-05-01", "reviewed_by": "Informationssikkerhedskoordinator", "result": "remarks",
        "note": "ISAE 3402-erklæring med forbehold", "next_review_on": ""})
    assert response.status_code == 302
    with app.app_context():
        supplier = db.session.get(Supplier, sid)
        assert supplier.last_reviewed_on == dt.date(2026, 5, 1)
        assert supplier.last_review_result == ReviewResult.REMARKS
        assert supplier.next_review_on == dt.date(2027, 5, 1)
    page = html(client.get(f"/leverandoerer/{sid}"))
    assert "Med bemærkninger" in page and "ISAE 3402-erklæring med forbehold" in page
    response = client.post(f"/leverandoerer/{sid}/gennemgang", data={
        "reviewed_on": "2026-05-01", "reviewed_by": "X", "result": "satisfactory", "next_review_on": "2026-04-01"})
    assert response.status_code == 422 and "Næste gennemgang skal ligge efter denne." in html(response)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(SupplierReview.id))).scalar_one() == 1


def test_link_a_supplier_to_controls_and_risks(app, client, login, make_unit):
    unit = make_unit()
    sid = make_supplier(app, name="Fælles datacenter")
    rid = make_risk(app, unit, title="Nedbrud i fælles datacenter")
    with app.app_context():
        control = Control(title="Nødprocedure ved nedbrud")
        db.session.add(control)
        db.session.commit()
        control_id = control.id
    login("security")
    assert client.post(f"/leverandoerer/{sid}/kobling/tiltag", data={"tiltag-target_id": str(control_id)}
                       ).status_code == 302
    assert client.post(f"/leverandoerer/{sid}/kobling/risici", data={"risici-target_id": str(rid),
                                                                     "risici-note": "Eneste driftssted"}
                       ).status_code == 302
    page = html(client.get(f"/leverandoerer/{sid}"))
    assert "Nødprocedure ved nedbrud" in page and "Nedbrud i fælles datacenter" in page
    assert "Fælles datacenter" in html(client.get(f"/risici/{rid}"))  # the risk shows the supplier too


def test_list_filters_and_flags_what_needs_attention(app, client, login, count_queries):
    today = local_today()
    make_supplier(app, name="Udløber snart", contract_ends_on=today + dt.timedelta(days=20),
                  next_review_on=today + dt.timedelta(days=200), criticality=Criticality.CRITICAL)
    make_supplier(app, name="Mangler aftale", processes_personal_data=True, next_review_on=today - dt.timedelta(1))
    login("board")
    page = html(client.get("/leverandoerer/"))
    assert "Kontrakten udløber snart" in page and "Mangler databehandleraftale" in page
    assert "Gennemgang overskredet" in page
    ending = html(client.get("/leverandoerer/?attention=contract_ending"))
    assert "Udløber snart" in ending and "Mangler aftale" not in ending
    critical = html(client.get("/leverandoerer/?criticality=critical"))
    assert "Udløber snart" in critical and "Mangler aftale" not in critical
    with app.app_context():
        for n in range(150):
            supplier = Supplier(name=f"Lev {n:03}", criticality=Criticality.LOW)
            db.session.add(supplier)
            db.session.flush()
            db.session.add(SupplierService(supplier_id=supplier.id, name=f"System {n}"))
        db.session.commit()
    client.get("/leverandoerer/")
    with count_queries() as first:
        client.get("/leverandoerer/?page=2")
    with app.app_context():
        for n in range(200):
            db.session.add(Supplier(name=f"Mere {n:03}", criticality=Criticality.LOW))
        db.session.commit()
    client.get("/leverandoerer/")
    with count_queries() as second:
        page = html(client.get("/leverandoerer/?page=2&q=system"))
    assert second.count <= first.count
    assert "System 75" in page and "51–100 af 150" in page


@pytest.mark.parametrize("role,status", [("board", 403), ("preparedness", 403), ("security", 302), ("admin", 302)])
def test_security_and_admin_edit_board_reads(app, client, login, role, status):
    sid = make_supplier(app)
    login(role)
    assert client.get(f"/leverandoerer/{sid}").status_code == 200
    response = client.post(f"/leverandoerer/{sid}/ydelser", data={"name": "Hosting", "criticality": "high"})
    assert response.status_code == status


def test_exports(app, client, login):
    from openpyxl import load_workbook

    sid = make_supplier(app, name="KMD", criticality=Criticality.HIGH)
    with app.app_context():
        db.session.add(SupplierService(supplier_id=sid, name="KMD Opus"))
        db.session.commit()
    login("board")
    text = client.get("/leverandoerer/eksport.csv").get_data().decode("utf-8-sig")
    assert "KMD;" in text and "KMD Opus" in text and "Høj" in text
    book = load_workbook(io.BytesIO(client.get("/leverandoerer/eksport.xlsx?criticality=low").get_data()))
    assert book.active.max_row == 1  # only the headers: no low-criticality supplier


# --- the årshjul: reminders before a review or a contract runs out -------------------------------------------

def test_supplier_and_risk_dates_are_in_the_wheel_the_feed_and_the_reminders(app, client, login, users, make_unit):
    import icalendar

    from register.preparedness import reminders
    from register.risks.models import Risk

    from test_preparedness_wheel import feed_link

    unit = make_unit(name="Digitalisering", contact_email="digitalisering@kommune.example")
    today = local_today()
    sid = make_supplier(app, name="KOMBIT", owner_unit_id=unit, next_review_on=today + dt.timedelta(days=5),
                        contract_ends_on=today + dt.timedelta(days=20), criticality=Criticality.CRITICAL)
    with app.app_context():
        risk = Risk(title="Nedbrud hos KOMBIT", owner_unit_id=unit, inherent_likelihood=2, inherent_consequence=4,
                    next_review_on=today - dt.timedelta(days=3))
        db.session.add(risk)
        db.session.commit()
    login("board")
    year = today.year
    page = html(client.get(f"/aarshjul/?aar={(today + dt.timedelta(days=5)).year}"))
    assert "Leverandør skal gennemgås" in page and f"/leverandoerer/{sid}" in page
    if (today + dt.timedelta(days=20)).year == year:
        assert "Leverandørkontrakt udløber" in page
    link = feed_link(client)
    client.post("/konto/logout")
    calendar = icalendar.Calendar.from_ical(client.get(link).data)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert events[f"supplier_contract:{sid}@register"].decoded("dtstart") == today + dt.timedelta(days=20)
    assert str(events[f"supplier_review:{sid}@register"]["summary"]) == "Leverandør skal gennemgås: KOMBIT"
    assert any(uid.startswith("risk_review:") for uid in events)
    with app.app_context():
        digests, _orphans = reminders.build_digests(today)
    [digest] = [d for d in digests if d.recipient == "digitalisering@kommune.example"]
    steps = {(step, item.kind.value) for step, item in digest.entries}
    assert steps == {("7", "supplier_review"), ("30", "supplier_contract"), ("overdue", "risk_review")}


def test_demo_has_the_shared_municipal_suppliers_and_both_kinds_of_risk(app, catalogs, client):
    from register.risks.models import Risk, RiskAcceptance, RiskSource

    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        names = set(db.session.execute(sa.select(Supplier.name)).scalars())
        assert {"KOMBIT A/S", "KMD A/S", "Fælles kommunalt datacenter"} <= names
        services = set(db.session.execute(sa.select(SupplierService.name)).scalars())
        assert "Serviceplatformen" in services and "KMD Opus Løn" in services
        sources = set(db.session.execute(sa.select(Risk.source)).scalars())
        assert sources == {RiskSource.CYBER, RiskSource.PREPAREDNESS}
        assert db.session.execute(sa.select(RiskAcceptance.body_name)).scalar_one() == "Teknik- og Miljøudvalget"
