"""The change history reads as a person reads it: labels, Danish dates, names of people and units."""
from conftest import html


def _control_form(**overrides):
    return {"title": "MFA på fjernadgang", "description": "", "owner_unit_id": "", "status": "planned",
            "due_date": "2026-05-01", "version": "0"} | overrides


def test_a_control_history_names_fields_people_units_and_dates_in_danish(app, client, login, make_unit):
    it = make_unit(name="IT-drift")
    school = make_unit(name="Skoler")
    login("security")
    response = client.post("/tiltag/ny", data=_control_form(owner_unit_id=str(it)))
    cid = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert client.post(f"/tiltag/{cid}/rediger", data=_control_form(
        owner_unit_id=str(school), status="in_progress", due_date="2026-06-30", version="1")).status_code == 302
    page = html(client.get(f"/tiltag/{cid}"))
    history = page[page.index('class="table table--compact history-table"'):]
    assert "Test security" in history and "security@test.example" not in history  # the person, by name
    assert "<del>Planlagt</del> → <ins>I gang</ins>" in history  # the status label, not "planned"
    assert "<del>1. maj 2026</del> → <ins>30. jun. 2026</ins>" in history  # a Danish date, not 2026-05-01
    assert "<del>IT-drift</del> → <ins>Skoler</ins>" in history  # units by name, not by id
    assert 'field-name">Ansvarlig enhed<' in history and 'field-name">Frist<' in history
    for column in ("owner_unit_id", "due_date", "version", ">status<"):
        assert column not in history, column


def test_an_incident_history_shows_times_in_danish_time_and_labels(app, client, login):
    login("security")
    data = {"title": "Phishing", "detected_at": "2025-03-29T09:40", "aware_at": "2025-03-29T10:00",
            "description": "Mails", "systems_affected": "", "significance": "pending", "significance_reason": "",
            "status": "registered", "version": "0"}
    response = client.post("/haendelser/ny", data=data)
    incident_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert client.post(f"/haendelser/{incident_id}/rediger", data=data | {
        "status": "handling", "aware_at": "2025-03-29T11:00", "version": "1"}).status_code == 302
    page = html(client.get(f"/haendelser/{incident_id}"))
    history = page[page.index('class="table table--compact history-table"'):]
    assert "<del>Registreret</del> → <ins>Under håndtering</ins>" in history
    assert "<del>29. mar. 2025 10:00</del> → <ins>29. mar. 2025 11:00</ins>" in history  # Danish time, not UTC
    assert "Kommunen fik kendskab" in history and "aware_at" not in history


def test_the_requirement_history_names_the_person_and_writes_dates_in_danish(app, client, login, catalogs):
    from requirement_helpers import req_id

    rid = req_id(app, "nis2:21.2.d")
    login("security")
    form = {"applicable": "yes", "applicability_reason": "", "status": "partly", "maturity": "3",
            "responsible_unit_id": "", "responsible_person": "Ida", "next_review": "2026-03-01", "notes": "",
            "version": "0"}
    assert client.post(f"/krav/{rid}/vurdering", data=form).status_code == 302
    page = html(client.get(f"/krav/{rid}"))
    history = page[page.index('id="history-heading"'):]
    assert "Test security" in history and "security@test.example" not in history
    assert "1. mar. 2026" in history and "01-03-2026" not in history
