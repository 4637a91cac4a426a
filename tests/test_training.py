"""Staff campaigns with coverage per unit, management training status and coverage, management approvals."""
import datetime as dt

import pytest
import sqlalchemy as sa

from register.core.dates import local_today
from register.extensions import db
from register.training import services
from register.training.models import (Approval, ApprovalBody, ApprovalRule, Campaign, CampaignKind, CampaignUnit,
                                      ManagementBody, ManagementScope, Trainee, TrainingRecord, TrainingSettings)
from register.training.services import TrainingStatus, training_status

from conftest import html


@pytest.fixture
def make_trainee(app):
    """make_trainee(name, body, courses=[date, ...], **overrides) -> id."""

    def factory(name="Person", body=ManagementBody.COUNCIL, courses=(), **overrides):
        with app.app_context():
            person = Trainee(name=name, body=body, **overrides)
            db.session.add(person)
            db.session.flush()
            for day in courses:
                db.session.add(TrainingRecord(trainee_id=person.id, course="Cybersikkerhed for ledelsen",
                                              completed_on=day))
            db.session.commit()
            return person.id

    return factory


@pytest.fixture
def make_campaign(app):
    """make_campaign(units={unit_id: (targeted, completed)}, **overrides) -> id."""

    def factory(units=None, **overrides):
        values = {"title": "Phishing-kampagne", "kind": CampaignKind.PHISHING, "held_on": dt.date(2025, 10, 1)}
        with app.app_context():
            campaign = Campaign(**(values | overrides))
            db.session.add(campaign)
            db.session.flush()
            for unit_id, (targeted, completed) in (units or {}).items():
                db.session.add(CampaignUnit(campaign_id=campaign.id, unit_id=unit_id, staff_targeted=targeted,
                                            staff_completed=completed))
            db.session.commit()
            return campaign.id

    return factory


TODAY = dt.date(2026, 6, 15)


@pytest.mark.parametrize("last,expected,valid_until", [
    (None, TrainingStatus.UNTRAINED, None),
    (dt.date(2025, 1, 10), TrainingStatus.TRAINED, dt.date(2027, 1, 10)),
    (dt.date(2024, 9, 16), TrainingStatus.TRAINED, dt.date(2026, 9, 16)),  # due window opens tomorrow
    (dt.date(2024, 9, 15), TrainingStatus.DUE, dt.date(2026, 9, 15)),
    (dt.date(2024, 6, 15), TrainingStatus.DUE, dt.date(2026, 6, 15)),      # valid through its last day
    (dt.date(2024, 6, 14), TrainingStatus.LAPSED, dt.date(2026, 6, 14)),
    (dt.date(2024, 2, 29), TrainingStatus.LAPSED, dt.date(2026, 2, 28)),   # from a leap day
])
def test_training_status_at_the_edges(last, expected, valid_until):
    assert training_status(last, TODAY, 24, 3) == (expected, valid_until)


def _known_dataset(make_trainee):
    make_trainee("Anna Council", ManagementBody.COUNCIL, [dt.date(2025, 1, 10)])                  # trained
    make_trainee("Bo Council", ManagementBody.COUNCIL, [dt.date(2024, 8, 20)])                    # due
    make_trainee("Carl Executive", ManagementBody.EXECUTIVE, [dt.date(2024, 6, 14)])              # lapsed
    make_trainee("Dora Executive", ManagementBody.EXECUTIVE, [dt.date(2024, 6, 15)])              # due (last day)
    make_trainee("Emil Leader", ManagementBody.LEADER)                                            # untrained
    make_trainee("Frida Former", ManagementBody.COUNCIL, active=False)                            # not counted
    make_trainee("Gert Leader", ManagementBody.LEADER, [dt.date(2020, 1, 1), dt.date(2025, 3, 1)])  # latest counts


def test_management_coverage_on_a_known_dataset(app, make_trainee):
    _known_dataset(make_trainee)
    with app.app_context():
        rows = services.trainee_rows(today=TODAY)
        overall, by_body = services.management_coverage(rows)
    statuses = {row.trainee.name: row.status for row in rows}
    assert "Frida Former" not in statuses
    assert statuses == {"Anna Council": TrainingStatus.TRAINED, "Bo Council": TrainingStatus.DUE,
                        "Carl Executive": TrainingStatus.LAPSED, "Dora Executive": TrainingStatus.DUE,
                        "Emil Leader": TrainingStatus.UNTRAINED, "Gert Leader": TrainingStatus.TRAINED}
    assert overall.total == 6 and overall.covered == 4 and overall.share == pytest.approx(4 / 6)
    assert overall.counts == {TrainingStatus.TRAINED: 2, TrainingStatus.DUE: 2, TrainingStatus.LAPSED: 1,
                              TrainingStatus.UNTRAINED: 1}
    assert (by_body[ManagementBody.COUNCIL].total, by_body[ManagementBody.COUNCIL].covered) == (2, 2)
    assert (by_body[ManagementBody.EXECUTIVE].total, by_body[ManagementBody.EXECUTIVE].covered) == (2, 1)
    assert (by_body[ManagementBody.LEADER].total, by_body[ManagementBody.LEADER].covered) == (2, 1)


def test_the_refresh_interval_is_a_setting(app, make_trainee):
    make_trainee("Anna", courses=[dt.date(2025, 1, 10)])
    app.config["MANAGEMENT_TRAINING_REFRESH_MONTHS"] = 12
    with app.app_context():
        assert services.trainee_rows(today=TODAY)[0].status == TrainingStatus.LAPSED


def test_training_page_shows_coverage_and_who_is_due_or_lapsed(client, login, make_trainee):
    today = local_today()
    make_trainee("Anna Council", courses=[today - dt.timedelta(days=30)])
    make_trainee("Carl Executive", ManagementBody.EXECUTIVE, courses=[today - dt.timedelta(days=800)],
                 role_title="Kommunaldirektør")
    make_trainee("Emil Leader", ManagementBody.LEADER)
    login("board")
    page = html(client.get("/uddannelse/"))
    assert 'id="management-coverage">50 %' in page  # the leader is not in the management body
    assert "Udløbet" in page and "Ikke uddannet" in page and "Uddannet" in page
    assert "Loven fastsætter ikke noget interval" in page and "24. måned" in page
    home = html(client.get("/"))
    assert "Ledelsens uddannelse: udløbet eller mangler" in home
    assert home.index("Carl Executive") < home.index("Emil Leader")  # lapsed before never trained
    assert "Anna Council" not in home


def test_the_start_pages_kept_training_panel_follows_a_save(app, client, login, make_trainee):
    make_trainee("Anna Council", courses=[local_today()])
    make_trainee("Emil Leader", ManagementBody.LEADER)
    login("board")
    assert "Emil Leader" in html(client.get("/"))
    assert "Emil Leader" in html(client.get("/"))  # kept
    make_trainee("Carl Executive", ManagementBody.EXECUTIVE, courses=[local_today() - dt.timedelta(days=800)])
    home = html(client.get("/"))
    assert home.index("Carl Executive") < home.index("Emil Leader") and "Anna Council" not in home
    with app.app_context():
        emil = db.session.execute(sa.select(Trainee).filter_by(name="Emil Leader")).scalar_one()
        db.session.add(TrainingRecord(trainee_id=emil.id, course="Cybersikkerhed for ledelsen",
                                      completed_on=local_today()))
        db.session.commit()
    home = html(client.get("/"))
    assert "Carl Executive" in home and "Emil Leader" not in home


def test_no_training_panel_when_everyone_is_trained(client, login, make_trainee):
    make_trainee("Anna", courses=[local_today()])
    login("board")
    assert "Ledelsens uddannelse: udløbet" not in html(client.get("/"))


def test_security_adds_a_person_and_a_course(app, client, login, make_unit):
    unit = make_unit(name="Direktionssekretariatet")
    login("security")
    response = client.post("/uddannelse/personer/ny", data={"name": "Dorthe Direktør", "role_title": "Kommunaldirektør",
                                                           "body": "executive", "unit_id": str(unit), "active": "y",
                                                           "version": "0"})
    assert response.status_code == 302
    with app.app_context():
        person = db.session.execute(sa.select(Trainee)).scalar_one()
        assert (person.body, person.unit_id, person.active) == (ManagementBody.EXECUTIVE, unit, True)
        person_id = person.id
    future = (local_today() + dt.timedelta(days=3)).isoformat()
    refused = client.post(f"/uddannelse/personer/{person_id}/kurser/ny",
                          data={"course": "NIS2 for ledelsen", "completed_on": future, "version": "0"})
    assert refused.status_code == 422 and "ligger i fremtiden" in html(refused)
    missing = client.post(f"/uddannelse/personer/{person_id}/kurser/ny", data={"course": "", "completed_on": "",
                                                                                "version": "0"})
    assert missing.status_code == 422 and "Angiv kurset." in html(missing)
    done = local_today().isoformat()
    response = client.post(f"/uddannelse/personer/{person_id}/kurser/ny",
                           data={"course": "NIS2 for ledelsen", "provider": "KL", "completed_on": done, "version": "0"})
    assert response.status_code == 302
    page = html(client.get(f"/uddannelse/personer/{person_id}"))
    assert "NIS2 for ledelsen" in page and "Uddannet" in page and "gyldig til" in page
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(TrainingRecord.id))).scalar() == 1


def test_trainee_edit_conflict_is_refused(app, client, login, make_trainee):
    person_id = make_trainee("Anna")
    with app.app_context():
        db.session.get(Trainee, person_id).role_title = "Borgmester"
        db.session.commit()
    login("security")
    response = client.post(f"/uddannelse/personer/{person_id}/rediger",
                           data={"name": "Anna B", "body": "council", "unit_id": "", "version": "1"})
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(Trainee, person_id).name == "Anna"


def test_campaign_coverage_per_unit_and_overall(app, client, login, make_unit, make_campaign):
    a, b, c = make_unit(name="Skoler"), make_unit(name="Dagtilbud"), make_unit(name="Vej og Park")
    campaign_id = make_campaign(units={a: (50, 40), b: (10, 9), c: (0, 0)})
    make_campaign(title="Tom kampagne")
    login("board")
    overview = html(client.get("/uddannelse/"))
    assert "Phishing-kampagne" in overview and "81 %" in overview  # 49 of 60
    page = html(client.get(f"/uddannelse/kampagner/{campaign_id}"))
    assert "80 %" in page and "90 %" in page and 'id="campaign-coverage">81 %' in page
    with app.app_context():
        rows = {r.campaign.title: r for r in services.campaign_rows()}
    assert (rows["Phishing-kampagne"].targeted, rows["Phishing-kampagne"].completed) == (60, 49)
    assert rows["Tom kampagne"].coverage is None


def test_security_creates_a_campaign_and_records_units(app, client, login, make_unit):
    unit = make_unit(name="Skoler")
    login("security")
    response = client.post("/uddannelse/kampagner/ny", data={"title": "Awareness 2025", "kind": "awareness",
                                                             "held_on": "2025-11-03", "version": "0"})
    assert response.status_code == 302
    with app.app_context():
        campaign_id = db.session.execute(sa.select(Campaign.id)).scalar_one()
    url = f"/uddannelse/kampagner/{campaign_id}/enheder/ny"
    too_many = client.post(url, data={"unit_id": str(unit), "staff_targeted": "10", "staff_completed": "11",
                                      "version": "0"})
    assert too_many.status_code == 422 and "flere gennemførte end målgruppen" in html(too_many)
    assert client.post(url, data={"unit_id": str(unit), "staff_targeted": "120", "staff_completed": "96",
                                  "version": "0"}).status_code == 302
    twice = client.post(url, data={"unit_id": str(unit), "staff_targeted": "1", "staff_completed": "1",
                                   "version": "0"})
    assert twice.status_code == 422 and "allerede med i kampagnen" in html(twice)
    with app.app_context():
        row = db.session.execute(sa.select(CampaignUnit)).scalar_one()
        assert (row.staff_targeted, row.staff_completed) == (120, 96)
        row_id = row.id
    assert client.post(f"/uddannelse/kampagner/enheder/{row_id}/rediger",
                       data={"unit_id": str(unit), "staff_targeted": "120", "staff_completed": "120",
                             "version": "1"}).status_code == 302
    assert 'id="campaign-coverage">100 %' in html(client.get(f"/uddannelse/kampagner/{campaign_id}"))


def test_management_approvals_are_recorded_with_body_and_reference(app, client, login):
    login("security")
    missing = client.post("/uddannelse/godkendelser/ny", data={"approved_on": "2025-09-24", "body": "council",
                                                               "reference": "", "subject": "", "version": "0"})
    assert missing.status_code == 422
    assert "Angiv sagsnummer eller dagsordenspunkt." in html(missing)
    response = client.post("/uddannelse/godkendelser/ny",
                           data={"approved_on": "2025-09-24", "body": "council", "reference": "Sag 25/1234, punkt 7",
                                 "subject": "Informationssikkerhedspolitik og risikostyring efter NIS 2-loven § 6",
                                 "version": "0"})
    assert response.status_code == 302
    with app.app_context():
        approval = db.session.execute(sa.select(Approval)).scalar_one()
        assert (approval.body, approval.approved_on) == (ApprovalBody.COUNCIL, dt.date(2025, 9, 24))
    page = html(client.get("/uddannelse/"))
    assert "Sag 25/1234, punkt 7" in page and "24. sep. 2025" in page and "Kommunalbestyrelsen" in page


def test_training_page_query_count_is_independent_of_the_data(client, login, make_unit, make_trainee, make_campaign,
                                                             count_queries):
    unit = make_unit(name="Skoler")
    login("board")

    def measure():
        with count_queries() as counter:
            assert client.get("/uddannelse/").status_code == 200
        return counter.count

    make_trainee("A", courses=[dt.date(2025, 1, 1)], unit_id=unit)
    make_campaign(units={unit: (5, 5)})
    few = measure()
    for i in range(8):
        make_trainee(f"P{i}", courses=[dt.date(2025, 1, 1), dt.date(2024, 1, 1)], unit_id=unit)
        make_campaign(title=f"K{i}", units={unit: (5, 3)})
    assert measure() == few


def test_the_municipalitys_own_rules_for_approval_and_training_are_settings_with_reasons(app, client, login,
                                                                                        make_trainee):
    make_trainee("Anna Council", courses=[local_today() - dt.timedelta(days=400)])
    make_trainee("Emil Leader", ManagementBody.LEADER)
    login("board")
    assert client.get("/uddannelse/indstillinger").status_code == 403
    login("security")
    page = html(client.get("/uddannelse/indstillinger"))
    assert "overlader det til kommunen" in page and "Kommunens egen regel" in page
    bad = client.post("/uddannelse/indstillinger", data={"approval_rule": "executive", "management_scope": "both",
                                                          "validity_months": "0", "version": "0"})
    assert bad.status_code == 422 and "Mellem 1 og 120 måneder." in html(bad)
    with app.app_context():
        assert db.session.execute(sa.select(TrainingSettings)).first() is None  # nothing saved
    saved = client.post("/uddannelse/indstillinger", data={
        "approval_rule": "both", "approval_note": "Styrelsesvedtægten § 3", "management_scope": "council",
        "validity_months": "12", "validity_note": "Årligt kursus", "version": "0"})
    assert saved.status_code == 302
    page = html(client.get("/uddannelse/"))
    assert "hver 12. måned" in page and 'id="management-coverage">0 %' in page  # 400 days: lapsed after 12 months
    assert "MANAGEMENT_TRAINING" not in page
    with app.app_context():
        row = db.session.execute(sa.select(TrainingSettings)).scalar_one()
        assert (row.approval_rule, row.management_scope, row.validity_months) == (
            ApprovalRule.BOTH, ManagementScope.COUNCIL, 12)
    page = html(client.get("/uddannelse/indstillinger"))
    assert "Test security" in page  # the change is in the settings' history
