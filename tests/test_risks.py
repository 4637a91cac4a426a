"""The risk register: entering, rating on the municipality's scale, the heat map, links, reviews, acceptance."""
import datetime as dt

import pytest
import sqlalchemy as sa

from register.controls.models import Control
from register.core.history import ChangeLog
from register.extensions import db
from register.risks import services
from register.risks.models import Risk, RiskAcceptance, RiskControl, RiskReview, RiskSource

from conftest import html


def _risk_form(unit_id, **overrides):
    return {"title": "Ransomware rammer fagsystemer", "description": "Kryptering af servere", "source": "cyber",
            "owner_unit_id": str(unit_id), "inherent_likelihood": "4", "inherent_consequence": "5",
            "residual_likelihood": "", "residual_consequence": "", "treatment": "reduce",
            "treatment_note": "MFA og offline backup", "status": "open", "next_review_on": "",
            "version": "0"} | overrides


def _create(client, unit_id, **overrides) -> int:
    response = client.post("/risici/ny", data=_risk_form(unit_id, **overrides))
    assert response.status_code == 302, html(response)
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def make_risk(app, unit_id, **overrides) -> int:
    values = {"title": "Risiko", "source": RiskSource.CYBER, "owner_unit_id": unit_id, "inherent_likelihood": 3,
              "inherent_consequence": 3} | overrides
    with app.app_context():
        risk = Risk(**values)
        db.session.add(risk)
        db.session.commit()
        return risk.id


def test_scale_bands_on_five_by_five_and_other_scales():
    five = services.Scale(tuple("12345"), tuple("12345"))
    assert five.level(1, 4) == services.Level.LOW and five.level(3, 3) == services.Level.MEDIUM
    assert five.level(4, 4) == services.Level.HIGH and five.level(4, 5) == services.Level.CRITICAL
    assert five.score_range(services.Level.HIGH) == (10, 16)
    four = services.Scale(tuple("1234"), tuple("1234"))
    assert four.level(4, 4) == services.Level.CRITICAL and four.level(1, 1) == services.Level.LOW
    assert five.level(None, 3) is None


def test_enter_edit_and_read_a_risk_with_its_history(app, client, login, make_unit):
    unit = make_unit(name="IT-drift")
    login("security")
    rid = _create(client, unit)
    page = html(client.get(f"/risici/{rid}"))
    assert "Ransomware rammer fagsystemer" in page and "IT-drift" in page and "Kritisk" in page
    assert "Ikke vurderet; den iboende risiko gælder." in page
    assert "Ingen leverandører er knyttet til risikoen." in page  # the suppliers' section of the page
    response = client.post(f"/risici/{rid}/rediger", data=_risk_form(
        unit, residual_likelihood="2", residual_consequence="4", version="1"))
    assert response.status_code == 302, html(response)
    page = html(client.get(f"/risici/{rid}"))
    assert "2 Usandsynlig" in page and "4 Alvorlig" in page
    assert "<del>—</del> → <ins>2</ins>" in page  # the change history shows the residual rating's change
    # a form opened before that save is refused with what changed
    stale = client.post(f"/risici/{rid}/rediger", data=_risk_form(unit, title="Gammel", version="1"))
    assert stale.status_code == 409
    with app.app_context():
        assert db.session.get(Risk, rid).title == "Ransomware rammer fagsystemer"


def test_bad_input_is_refused_in_danish_and_changes_nothing(app, client, login, make_unit):
    unit = make_unit()
    login("security")
    response = client.post("/risici/ny", data=_risk_form(unit, title="", inherent_likelihood="9"))
    assert response.status_code == 422
    assert "Risikoen skal have en titel." in html(response)
    response = client.post("/risici/ny", data=_risk_form(unit, residual_likelihood="2"))
    assert response.status_code == 422
    assert "Angiv både sandsynlighed og konsekvens for restrisikoen" in html(response)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Risk.id))).scalar_one() == 0


def test_the_scale_is_the_municipalitys_setting(app, client, login, make_unit):
    app.config["RISK_LIKELIHOOD_LABELS"] = ("Lav", "Middel", "Høj")
    app.config["RISK_CONSEQUENCE_LABELS"] = ("Lille", "Mellem", "Stor", "Meget stor")
    unit = make_unit()
    login("security")
    form = html(client.get("/risici/ny"))
    assert "3 Høj" in form and "4 Meget stor" in form and "5 " not in form.split("inherent_likelihood")[1][:400]
    response = client.post("/risici/ny", data=_risk_form(unit, inherent_likelihood="4"))
    assert response.status_code == 422
    rid = _create(client, unit, inherent_likelihood="3", inherent_consequence="4")
    assert "Kritisk" in html(client.get(f"/risici/{rid}"))
    assert "4 Meget stor" in html(client.get("/risici/"))  # the heat map's columns follow the scale


def test_cyber_and_preparedness_risks_in_one_filterable_paged_list(app, client, login, make_unit, count_queries):
    a, b = make_unit(name="Borgerservice"), make_unit(name="Ældreområdet")
    make_risk(app, a, title="Phishing mod medarbejdere")
    make_risk(app, b, title="Langvarig strømsvigt på plejecentre", source=RiskSource.PREPAREDNESS,
              inherent_likelihood=2, inherent_consequence=5)
    login("board")
    listing = html(client.get("/risici/"))
    assert "Phishing mod medarbejdere" in listing and "Langvarig strømsvigt på plejecentre" in listing
    prep = html(client.get("/risici/?source=preparedness"))
    assert "Langvarig strømsvigt" in prep and "Phishing" not in prep.split('id="liste"')[1]
    assert "Phishing" in html(client.get(f"/risici/?unit={a}")).split('id="liste"')[1]
    assert "Phishing" not in html(client.get("/risici/?level=high")).split('id="liste"')[1]
    cell = html(client.get("/risici/?l=2&c=5"))
    assert "Langvarig strømsvigt" in cell.split('id="liste"')[1] and "Phishing" not in cell.split('id="liste"')[1]
    with app.app_context():
        for n in range(120):
            db.session.add(Risk(title=f"Risiko {n:03}", owner_unit_id=a, inherent_likelihood=1 + n % 5,
                                inherent_consequence=1 + n % 3))
        db.session.commit()
    client.get("/risici/")
    with count_queries() as small:
        client.get("/risici/?page=2")
    with app.app_context():
        for n in range(300):
            db.session.add(Risk(title=f"Flere {n:03}", owner_unit_id=b, inherent_likelihood=1 + n % 5,
                                inherent_consequence=1 + n % 5))
        db.session.commit()
    client.get("/risici/")
    with count_queries() as large:
        page = html(client.get("/risici/?page=2"))
    assert large.count == small.count
    assert "51–100 af 422 risici" in page


def test_heat_map_is_a_table_with_counts_and_words(app, client, login, make_unit):
    unit = make_unit()
    for _n in range(3):
        make_risk(app, unit, inherent_likelihood=5, inherent_consequence=5)
    make_risk(app, unit, inherent_likelihood=5, inherent_consequence=5, residual_likelihood=1,
              residual_consequence=2)
    login("board")
    page = html(client.get("/risici/"))
    matrix = page.split('class="heat-map"')[1].split("</table>")[0]
    assert "<caption>" in matrix and 'scope="row"' in matrix and 'scope="col"' in matrix
    top_right = matrix.split("5 Meget sandsynlig")[1].split("</tr>")[0]
    assert '<span class="heat-count">3</span>' in top_right and "Kritisk" in top_right
    with app.app_context():
        heat = services.heat_map(services.RiskFilter())
        inherent = services.heat_map(services.RiskFilter(), basis="inherent")
    assert heat.rows[0][4].count == 3 and heat.rows[4][1].count == 1 and heat.total == 4
    assert inherent.rows[0][4].count == 4


def _link_ids(app):
    from register.gap.models import Finding, Severity

    with app.app_context():
        control = Control(title="Offline backup")
        finding = Finding(title="Backup ikke testet", severity=Severity.HIGH, identified_on=dt.date(2025, 1, 1))
        db.session.add_all([control, finding])
        db.session.commit()
        return control.id, finding.id


def test_link_a_risk_to_controls_findings_and_requirements(app, client, login, make_unit, catalogs):
    unit = make_unit()
    rid = make_risk(app, unit, title="Ransomware")
    control_id, finding_id = _link_ids(app)
    with app.app_context():
        requirement_id = services.db.session.execute(sa.text(
            "SELECT requirement.id FROM requirement JOIN catalog ON catalog.id = requirement.catalog_id "
            "WHERE catalog.code = 'nis2' AND requirement.ref = '21.2.a'")).scalar_one()
    login("security")
    for kind, target in (("tiltag", control_id), ("fund", finding_id), ("krav", requirement_id)):
        response = client.post(f"/risici/{rid}/kobling/{kind}", data={f"{kind}-target_id": str(target),
                                                                       f"{kind}-note": "Behandler risikoen"})
        assert response.status_code == 302
    page = html(client.get(f"/risici/{rid}"))
    assert "Offline backup" in page and "Backup ikke testet" in page and "21(2)(a)" in page
    requirement_page = html(client.get(f"/krav/{requirement_id}"))
    assert "Risici, der vedrører kravet" in requirement_page and f"/risici/{rid}" in requirement_page
    again = client.post(f"/risici/{rid}/kobling/tiltag", data={"tiltag-target_id": str(control_id)},
                        follow_redirects=True)
    assert "allerede knyttet" in html(again)
    missing = client.post(f"/risici/{rid}/kobling/tiltag", data={"tiltag-target_id": "999999"},
                          follow_redirects=True)
    assert "findes ikke" in html(missing)
    with app.app_context():
        link_id = db.session.execute(sa.select(RiskControl.id)).scalar_one()
    assert client.post(f"/risici/{rid}/kobling/tiltag/{link_id}/fjern").status_code == 302
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(RiskControl.id))).scalar_one() == 0
        deleted = db.session.execute(sa.select(ChangeLog).where(ChangeLog.entity == "risk_control",
                                                                ChangeLog.action == "delete")).scalars().all()
        assert len(deleted) == 1  # the removed link is in the change history


def test_review_sets_the_dates_and_refuses_a_future_review(app, client, login, make_unit):
    unit = make_unit()
    rid = make_risk(app, unit)
    login("security")
    response = client.post(f"/risici/{rid}/gennemgang", data={"reviewed_on": "2026-03-01",
                                                              "reviewed_by": "Informationssikkerhedsudvalget",
                                                              "note": "Uændret", "next_review_on": ""})
    assert response.status_code == 302
    with app.app_context():
        risk = db.session.get(Risk, rid)
        assert risk.last_reviewed_on == dt.date(2026, 3, 1) and risk.next_review_on == dt.date(2027, 3, 1)
    future = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    response = client.post(f"/risici/{rid}/gennemgang", data={"reviewed_on": future, "reviewed_by": "X"})
    assert response.status_code == 422 and "kan ikke ligge i fremtiden" in html(response)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(RiskReview.id))).scalar_one() == 1
    assert "Informationssikkerhedsudvalget" in html(client.get(f"/risici/{rid}"))


def test_acceptance_is_recorded_with_the_named_body_and_lapses_when_the_rating_changes(app, client, login,
                                                                                       make_unit):
    unit = make_unit()
    login("security")
    rid = _create(client, unit, treatment="accept", residual_likelihood="2", residual_consequence="2")
    assert "Afventer accept" in html(client.get(f"/risici/{rid}"))
    response = client.post(f"/risici/{rid}/accept", data={"body": "committee", "body_name": "",
                                                          "decided_on": "2026-02-01"})
    assert response.status_code == 422 and "Angiv navnet på det organ" in html(response)
    response = client.post(f"/risici/{rid}/accept", data={
        "body": "committee", "body_name": "Økonomiudvalget", "decided_on": "2026-02-01",
        "reference": "Sag 12, punkt 4", "note": "Omkostningen ved yderligere tiltag står ikke mål med risikoen"})
    assert response.status_code == 302
    page = html(client.get(f"/risici/{rid}"))
    assert "Økonomiudvalget" in page and "Sag 12, punkt 4" in page and ">Accepteret<" in page
    with app.app_context():
        acceptance = db.session.execute(sa.select(RiskAcceptance)).scalar_one()
        assert (acceptance.likelihood, acceptance.consequence) == (2, 2)
        version = db.session.get(Risk, rid).version
    client.post(f"/risici/{rid}/rediger", data=_risk_form(unit, treatment="accept", residual_likelihood="3",
                                                          residual_consequence="3", version=str(version)))
    assert "Accepten gælder ikke længere" in html(client.get(f"/risici/{rid}"))


@pytest.mark.parametrize("role,status", [("board", 403), ("preparedness", 403), ("security", 302), ("admin", 302)])
def test_security_and_admin_edit_board_reads(app, client, login, make_unit, role, status):
    unit = make_unit()
    rid = make_risk(app, unit)
    login(role)
    assert client.get(f"/risici/{rid}").status_code == 200
    response = client.post(f"/risici/{rid}/gennemgang", data={"reviewed_on": "2026-01-05", "reviewed_by": "X"})
    assert response.status_code == status


def test_exports_hold_the_filtered_risks(app, client, login, make_unit):
    import io

    from openpyxl import load_workbook

    unit = make_unit(name="IT-drift")
    make_risk(app, unit, title="=HYPERLINK(\"x\")")
    make_risk(app, unit, title="Strømsvigt", source=RiskSource.PREPAREDNESS)
    login("board")
    text = client.get("/risici/eksport.csv?source=preparedness").get_data().decode("utf-8-sig")
    assert "Strømsvigt" in text and "HYPERLINK" not in text and "Beredskab (RSV)" in text
    book = load_workbook(io.BytesIO(client.get("/risici/eksport.xlsx").get_data()))
    values = [row[1] for row in book.active.iter_rows(min_row=2, values_only=True)]
    assert values == ["'=HYPERLINK(\"x\")", "Strømsvigt"]
