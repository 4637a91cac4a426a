"""Registering incidents through the web UI: times, significance, reports, requirements, lessons, start page."""
import datetime as dt

import pytest
import sqlalchemy as sa

from register.core.db import utcnow
from register.core.history import ChangeLog
from register.extensions import db
from register.incidents.models import (Incident, IncidentReport, IncidentRequirement, IncidentStatus,
                                       IncidentUnit, Lesson, ReportKind, Significance)
from register.incidents import services
from register.incidents.services import requirement_by_key

from conftest import html

UTC = dt.UTC


@pytest.fixture
def make_incident(app):
    """make_incident(aware_at=..., units=[ids], reports={kind: (submitted_at, ref)}, **overrides) -> id."""

    def factory(units=(), reports=None, **overrides):
        aware = overrides.pop("aware_at", utcnow() - dt.timedelta(hours=2))
        values = {"title": "Hændelse", "description": "Beskrivelse", "detected_at": aware, "aware_at": aware,
                  "significance": Significance.SIGNIFICANT,
                  "significance_reason": "Driften af borgerservice stod stille.",
                  "status": IncidentStatus.HANDLING} | overrides
        with app.app_context():
            incident = Incident(**values)
            incident.units = [IncidentUnit(unit_id=u) for u in units]
            db.session.add(incident)
            db.session.flush()
            for kind, (submitted, ref) in (reports or {}).items():
                db.session.add(IncidentReport(incident_id=incident.id, kind=kind, submitted_at=submitted,
                                              receipt_ref=ref))
            db.session.commit()
            return incident.id

    return factory


def form_data(**overrides):
    return {"title": "Ransomware på filserver", "detected_at": "2025-03-29T09:40", "aware_at": "2025-03-29T10:00",
            "description": "Krypterede filer på fællesdrevet.", "systems_affected": "Filserver FS01",
            "significance": "significant",
            "significance_reason": "Alvorlig driftsforstyrrelse (art. 23, stk. 3, litra a).",
            "status": "handling", "version": "0"} | overrides


def count(app, model):
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar()


def test_security_registers_an_incident_in_danish_time_stored_as_utc(app, client, login, make_unit):
    it = make_unit(name="IT-drift")
    school = make_unit(name="Skoler")
    login("security")
    response = client.post("/haendelser/ny", data=form_data(unit_ids=[str(it), str(school)]))
    assert response.status_code == 302
    with app.app_context():
        incident = db.session.execute(sa.select(Incident)).scalar_one()
        assert incident.detected_at == dt.datetime(2025, 3, 29, 8, 40, tzinfo=UTC)  # 09:40 winter time
        assert incident.aware_at == dt.datetime(2025, 3, 29, 9, 0, tzinfo=UTC)
        assert incident.significance == Significance.SIGNIFICANT and incident.status == IncidentStatus.HANDLING
        assert sorted(db.session.execute(sa.select(IncidentUnit.unit_id)).scalars()) == sorted([it, school])
    page = html(client.get(response.headers["Location"]))
    assert "29. mar. 2025 10:00" in page  # shown in Danish time again
    # early warning 24 real hours later: 11:00 summer time, the clocks having gone forward that night
    assert "30. mar. 2025 11:00" in page and "1. apr. 2025 11:00" in page
    assert "IT-drift" in page and "Skoler" in page and "Filserver FS01" in page
    assert "Foreløbig" in page  # the final report date until the notification is submitted
    assert "Fristen er overskredet" in page
    listing = html(client.get("/haendelser/"))
    assert '<span class="muted">IT-drift, Skoler</span>' in listing  # the units concerned, in name order
    assert "overskredet med " in listing and " døgn" in listing  # how late the next report is


def test_the_form_shows_the_art_23_3_criteria_next_to_the_choice(client, login):
    login("security")
    page = html(client.get("/haendelser/ny"))
    assert "alvorlige driftsforstyrrelser" in page and "betydelig materiel eller immateriel skade" in page
    assert 'type="datetime-local"' in page


@pytest.mark.parametrize("significance", ["significant", "not_significant"])
def test_a_significance_assessment_needs_a_reason(app, client, login, significance):
    login("security")
    response = client.post("/haendelser/ny", data=form_data(significance=significance, significance_reason="  "))
    assert response.status_code == 422
    assert "Begrund vurderingen af, om hændelsen er væsentlig." in html(response)
    assert count(app, Incident) == 0


def test_a_pending_assessment_needs_no_reason_and_warns_about_the_24_hours(app, client, login):
    login("security")
    response = client.post("/haendelser/ny", data=form_data(significance="pending", significance_reason=""))
    assert response.status_code == 302
    page = html(client.get(response.headers["Location"]))
    assert "Væsentligheden er ikke vurderet" in page and "24 timer" in page


@pytest.mark.parametrize("overrides,message", [
    ({"aware_at": "2025-03-30T02:30"}, "Det klokkeslæt findes ikke i dansk tid"),
    ({"aware_at": "2025-03-29T09:00"}, "før den blev opdaget"),
    ({"detected_at": "", "aware_at": "2025-03-29T10:00"}, "Angiv hvornår hændelsen blev opdaget."),
    ({"aware_at": "i går"}, "Angiv dato og klokkeslæt"),
    ({"detected_at": "2099-01-01T10:00", "aware_at": "2099-01-01T10:00"}, "Tidspunktet ligger i fremtiden."),
    ({"title": "", "description": ""}, "Hændelsen skal have en titel."),
])
def test_invalid_incident_is_reshown_with_danish_errors_and_nothing_saved(app, client, login, overrides, message):
    login("security")
    response = client.post("/haendelser/ny", data=form_data(**overrides))
    assert response.status_code == 422
    assert message in html(response)
    assert count(app, Incident) == 0


def test_editing_keeps_units_in_step_and_the_history_shows_it(app, client, login, make_unit, make_incident):
    a, b = make_unit(name="Enhed A"), make_unit(name="Enhed B")
    incident_id = make_incident(units=[a], aware_at=dt.datetime(2025, 6, 1, 8, 0, tzinfo=UTC))
    login("security")
    form = html(client.get(f"/haendelser/{incident_id}/rediger"))
    assert 'value="2025-06-01T10:00"' in form  # the stored UTC time offered back in Danish summer time
    response = client.post(f"/haendelser/{incident_id}/rediger",
                           data=form_data(unit_ids=[str(b)], status="closed", version="1",
                                          detected_at="2025-06-01T10:00", aware_at="2025-06-01T10:00"))
    assert response.status_code == 302
    with app.app_context():
        assert list(db.session.execute(sa.select(IncidentUnit.unit_id)).scalars()) == [b]
        actions = {(row.entity, row.action.value) for row in db.session.execute(sa.select(ChangeLog)).scalars()}
        assert ("incident_unit", "delete") in actions and ("incident", "update") in actions
        assert db.session.get(Incident, incident_id).status == IncidentStatus.CLOSED


def test_concurrent_edit_is_refused(app, client, login, make_incident):
    incident_id = make_incident()
    login("security")
    with app.app_context():
        db.session.get(Incident, incident_id).title = "Ændret af en anden"
        db.session.commit()
    response = client.post(f"/haendelser/{incident_id}/rediger", data=form_data(version="1"))
    assert response.status_code == 409
    assert "ændret af en anden" in html(response)
    with app.app_context():
        assert db.session.get(Incident, incident_id).title == "Ændret af en anden"


def test_recording_reports_with_receipts_marks_a_late_one(app, client, login, make_incident):
    aware = dt.datetime(2025, 9, 1, 8, 0, tzinfo=UTC)  # 10:00 Danish time
    incident_id = make_incident(aware_at=aware)
    login("security")
    # early warning sent after 26 hours: late
    response = client.post(f"/haendelser/{incident_id}/indberetning/early_warning",
                           data={"submitted_at": "2025-09-02T12:00", "receipt_ref": "VIRK-2025-0001", "version": "0"})
    assert response.status_code == 302
    response = client.post(f"/haendelser/{incident_id}/indberetning/notification",
                           data={"submitted_at": "2025-09-03T15:30", "receipt_ref": "VIRK-2025-0002", "version": "0"})
    assert response.status_code == 302
    with app.app_context():
        reports = {r.kind: r for r in db.session.execute(sa.select(IncidentReport)).scalars()}
        assert reports[ReportKind.EARLY_WARNING].submitted_at == dt.datetime(2025, 9, 2, 10, 0, tzinfo=UTC)
        assert reports[ReportKind.NOTIFICATION].receipt_ref == "VIRK-2025-0002"
    page = html(client.get(f"/haendelser/{incident_id}"))
    assert "Indsendt for sent" in page and "Indsendt rettidigt" in page and "VIRK-2025-0001" in page
    # the final report is now due one month after the notification was actually submitted
    assert "3. okt. 2025 15:30" in page and "Foreløbig</span>" not in page


def test_a_long_incident_with_a_progress_report_on_time_is_not_late_through_the_ui(app, client, login,
                                                                                   make_incident):
    """Art. 23(4)(c) and (e) on the incident page: a foreløbig rapport on request, a statusrapport at the mark,
    the final report a month after handling; nothing reads as late."""
    aware = dt.datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
    incident_id = make_incident(aware_at=aware)
    login("security")
    for kind, at in (("early_warning", "2025-09-01T20:00"), ("notification", "2025-09-03T10:00"),
                     ("intermediate", "2025-09-20T09:00"), ("progress", "2025-10-02T09:00")):
        response = client.post(f"/haendelser/{incident_id}/indberetning/{kind}",
                               data={"submitted_at": at, "receipt_ref": f"VIRK-{kind}", "version": "0"})
        assert response.status_code == 302, kind
    page = html(client.get(f"/haendelser/{incident_id}"))
    assert "Foreløbig rapport" in page and "Statusrapport" in page and "litra e" in page
    assert "Afventer, at hændelsen er håndteret" in page
    assert "Fristen er overskredet" not in page and "Indsendt for sent" not in page
    # handled on 20 November: the final report is due a month later, shown in Danish time
    response = client.post(f"/haendelser/{incident_id}/rediger", data=form_data(
        aware_at="2025-09-01T10:00", detected_at="2025-09-01T10:00", status="closed",
        handled_at="2025-11-20T15:00", version="1"))
    assert response.status_code == 302
    page = html(client.get(f"/haendelser/{incident_id}"))
    assert "20. dec. 2025 15:00" in page and "Fristen er overskredet" in page  # no final report sent by then
    with app.app_context():
        assert db.session.get(Incident, incident_id).handled_at == dt.datetime(2025, 11, 20, 14, 0, tzinfo=UTC)
    # handled before the municipality knew of it: refused, nothing changed
    response = client.post(f"/haendelser/{incident_id}/rediger", data=form_data(
        aware_at="2025-09-01T10:00", detected_at="2025-09-01T10:00", handled_at="2025-08-01T10:00", version="2"))
    assert response.status_code == 422 or "før kommunen fik kendskab" in html(response)


def test_a_report_is_validated_and_only_for_significant_incidents(app, client, login, make_incident):
    aware = dt.datetime(2025, 9, 1, 8, 0, tzinfo=UTC)
    incident_id = make_incident(aware_at=aware)
    login("security")
    before = client.post(f"/haendelser/{incident_id}/indberetning/early_warning",
                         data={"submitted_at": "2025-09-01T09:00", "receipt_ref": "X", "version": "0"})
    assert before.status_code == 422 and "før kommunen fik kendskab" in html(before)
    no_receipt = client.post(f"/haendelser/{incident_id}/indberetning/early_warning",
                             data={"submitted_at": "2025-09-01T12:00", "receipt_ref": "", "version": "0"})
    assert no_receipt.status_code == 422 and "kvitteringsnummeret fra virk.dk" in html(no_receipt)
    assert client.get(f"/haendelser/{incident_id}/indberetning/nonsense").status_code == 404
    minor = make_incident(significance=Significance.NOT_SIGNIFICANT, significance_reason="Ingen påvirkning.")
    assert client.get(f"/haendelser/{minor}/indberetning/early_warning").status_code == 404
    assert count(app, IncidentReport) == 0


def test_link_and_unlink_requirements(app, client, login, catalogs, make_incident):
    incident_id = make_incident()
    with app.app_context():
        art23 = requirement_by_key("nis2:23").id
        handling = requirement_by_key("nis2:21.2.b").id
    login("security")
    page = html(client.get(f"/haendelser/{incident_id}"))
    assert f'value="{art23}"' in page
    for req in (art23, handling):
        assert client.post(f"/haendelser/{incident_id}/krav", data={"requirement_id": str(req)}).status_code == 302
    again = client.post(f"/haendelser/{incident_id}/krav", data={"requirement_id": str(art23)},
                        follow_redirects=True)
    assert "allerede knyttet" in html(again)
    with app.app_context():
        links = list(db.session.execute(sa.select(IncidentRequirement)).scalars())
        assert sorted(link.requirement_id for link in links) == sorted([art23, handling])
        link_id = next(link.id for link in links if link.requirement_id == handling)
    page = html(client.get(f"/haendelser/{incident_id}"))
    assert "21(2)(b)" in page
    assert client.post(f"/haendelser/{incident_id}/krav/{link_id}/fjern").status_code == 302
    with app.app_context():
        assert list(db.session.execute(sa.select(IncidentRequirement.requirement_id)).scalars()) == [art23]


def test_lessons_learned_have_an_owner_unit_and_a_due_date(app, client, login, make_unit, make_incident):
    unit = make_unit(name="Informationssikkerhed")
    incident_id = make_incident()
    login("security")
    invalid = client.post(f"/haendelser/{incident_id}/erfaringer/ny",
                          data={"description": "", "owner_unit_id": "", "due_on": "", "status": "open", "version": "0"})
    assert invalid.status_code == 422
    assert "Beskriv erfaringen." in html(invalid) and "Vælg den ansvarlige enhed." in html(invalid)
    response = client.post(f"/haendelser/{incident_id}/erfaringer/ny",
                           data={"description": "Offline backup af filserveren.", "owner_unit_id": str(unit),
                                 "due_on": "2026-01-31", "status": "open", "version": "0"})
    assert response.status_code == 302
    with app.app_context():
        lesson = db.session.execute(sa.select(Lesson)).scalar_one()
        assert (lesson.owner_unit_id, lesson.due_on) == (unit, dt.date(2026, 1, 31))
        lesson_id = lesson.id
    page = html(client.get(f"/haendelser/{incident_id}"))
    assert "Offline backup af filserveren." in page and "31. jan. 2026" in page
    response = client.post(f"/haendelser/erfaringer/{lesson_id}/rediger",
                           data={"description": "Offline backup af filserveren.", "owner_unit_id": str(unit),
                                 "due_on": "2026-01-31", "status": "done", "version": "1"})
    assert response.status_code == 302
    assert "Gennemført" in html(client.get(f"/haendelser/{incident_id}"))


def test_board_reads_but_sees_no_edit_buttons(client, login, make_incident):
    incident_id = make_incident()
    login("board")
    assert client.get("/haendelser/").status_code == 200
    page = html(client.get(f"/haendelser/{incident_id}"))
    assert "Registrer indsendelse" not in page and "/rediger" not in page and "Tilknyt krav" not in page
    assert "Registrer hændelse" not in html(client.get("/haendelser/"))


def test_start_page_lists_open_incidents_nearest_deadline_first(app, client, login, make_incident):
    now = utcnow()
    make_incident(title="Phishing mod løn", aware_at=now - dt.timedelta(hours=60),  # notification due in 12 h
                  reports={ReportKind.EARLY_WARNING: (now - dt.timedelta(hours=50), "VIRK-1")})
    make_incident(title="DDoS mod hjemmeside", aware_at=now - dt.timedelta(hours=20))  # early warning due in 4 h
    make_incident(title="Overset hændelse", aware_at=now - dt.timedelta(hours=30))  # early warning 6 h overdue
    make_incident(title="Mistet telefon", significance=Significance.NOT_SIGNIFICANT,
                  significance_reason="Krypteret enhed.", aware_at=now - dt.timedelta(hours=1))
    make_incident(title="Afsluttet sag", status=IncidentStatus.CLOSED, aware_at=now - dt.timedelta(hours=1))
    login("board")
    page = html(client.get("/"))
    assert "Åbne hændelser" in page
    order = ["Overset hændelse", "DDoS mod hjemmeside", "Phishing mod løn", "Mistet telefon"]
    assert [page.index(title) for title in order] == sorted(page.index(title) for title in order)
    assert "overskredet med 6 timer" in page or "overskredet med 5 timer og 59 minutter" in page
    assert "Afsluttet sag" not in page
    assert "3 timer og 59 minutter tilbage" in page or "4 timer tilbage" in page


def test_the_start_pages_open_incidents_follow_a_save(app, client, login, make_incident):
    """The start page lists the open incidents as they are now, nearest deadline first."""
    now = utcnow()
    make_incident(title="DDoS mod hjemmeside", aware_at=now - dt.timedelta(hours=20))  # early warning in 4 h
    login("board")
    assert "DDoS mod hjemmeside" in html(client.get("/"))
    make_incident(title="Ransomware", aware_at=now - dt.timedelta(hours=1))
    page = html(client.get("/"))
    assert "Ransomware" in page and page.index("DDoS mod hjemmeside") < page.index("Ransomware")
    with app.app_context():
        [ddos_id] = db.session.execute(sa.select(Incident.id).filter_by(title="DDoS mod hjemmeside")).scalars()
        db.session.get(Incident, ddos_id).status = IncidentStatus.CLOSED
        db.session.commit()
    assert "DDoS mod hjemmeside" not in html(client.get("/"))
    with app.test_request_context():  # five hours on, nothing saved: the kept incident is now overdue
        [row] = services.home_panel(now=now + dt.timedelta(hours=5))["rows"]
        assert row.incident.title == "Ransomware" and row.next.state == services.StepState.PENDING
        [row] = services.home_panel(now=now + dt.timedelta(hours=25))["rows"]
        assert row.next.state == services.StepState.OVERDUE


def test_start_page_has_no_incident_panel_without_open_incidents(client, login):
    login("board")
    assert "Åbne hændelser" not in html(client.get("/"))


def test_incident_list_runs_the_same_number_of_queries_for_few_and_many(app, client, login, make_unit,
                                                                       make_incident, count_queries):
    units = [make_unit(name=f"Enhed {i}") for i in range(3)]
    now = utcnow()
    reports = {ReportKind.EARLY_WARNING: (now, "R1")}
    login("board")

    def measure():
        with count_queries() as counter:
            assert client.get("/haendelser/").status_code == 200
        return counter.count

    make_incident(units=units[:1], reports=reports)
    few = measure()
    for i in range(10):
        make_incident(title=f"Hændelse {i}", units=units, reports=reports)
    assert measure() == few
    make_incident(units=units, reports=reports)  # both start-page counts follow a change (figures recomputed)
    with count_queries() as counter:
        client.get("/")
    home_few = counter.count
    make_incident(units=units, reports=reports)
    with count_queries() as counter:
        client.get("/")
    assert counter.count == home_few


def test_incident_list_is_paged_newest_awareness_first(client, login, make_incident):
    login("board")
    start = utcnow() - dt.timedelta(days=2000)
    for i in range(55):
        make_incident(title=f"Hændelse {i:02d}", aware_at=start + dt.timedelta(days=30 * i),
                      status=IncidentStatus.CLOSED)
    first = html(client.get("/haendelser/"))
    assert "1–50 af 55 hændelser" in first and "Hændelse 54" in first and "Hændelse 05" in first
    assert "Hændelse 04" not in first and 'href="/haendelser/?page=2"' in first
    second = html(client.get("/haendelser/?page=2"))
    assert "51–55 af 55 hændelser" in second and "Hændelse 00" in second and "Hændelse 05" not in second


def test_the_list_says_for_each_incident_what_is_due_next(client, login, make_incident):
    """The deadline cell: the next report with how long is left, a provisional final report, all sent (with a
    late one marked), an assessment still to be made, and no duty to report."""
    now = utcnow()
    make_incident(title="Frisk", aware_at=now - dt.timedelta(hours=2))
    make_incident(title="Mangler underretning", aware_at=now - dt.timedelta(hours=80),
                  reports={ReportKind.EARLY_WARNING: (now - dt.timedelta(hours=10), "V-1")})
    make_incident(title="Alt sendt", aware_at=now - dt.timedelta(days=60), reports={
        ReportKind.EARLY_WARNING: (now - dt.timedelta(days=59), "V-2"),
        ReportKind.NOTIFICATION: (now - dt.timedelta(days=55), "U-2"),
        ReportKind.FINAL: (now - dt.timedelta(days=30), "E-2")})
    make_incident(title="Uafklaret", significance=Significance.PENDING, significance_reason=None)
    make_incident(title="Ikke væsentlig", significance=Significance.NOT_SIGNIFICANT)
    login("security")
    page = html(client.get("/haendelser/"))

    def cell(title: str) -> str:
        row = page[page.index(f">{title}</a>"):]
        return " ".join(row[:row.index("</tr>")].split("<td>")[-1].split())

    assert cell("Frisk").startswith("Tidlig varsling: ")
    assert "tilbage" in cell("Frisk") and "badge" in cell("Frisk")
    assert cell("Mangler underretning").startswith("Hændelsesunderretning: ")
    assert "overskredet med 8 timer" in cell("Mangler underretning")
    assert cell("Alt sendt").startswith("Alle indberetninger er sendt – <span class=\"badge")
    assert "Væsentlighed ikke vurderet" in cell("Uafklaret")
    assert "Ingen indberetningspligt" in cell("Ikke væsentlig")
    english = client.post("/konto/sprog", data={"language": "en", "next": "/haendelser/"})
    assert english.status_code == 302
    assert "Significance not assessed" in html(client.get("/haendelser/"))
