"""Links between the parts: findings from exercises and incidents, incidents and controls, the requirement page,
findings in the årshjul and the reminders."""
import datetime as dt

import pytest
import sqlalchemy as sa

from register.controls.models import Control, ControlStatus
from register.core.history import ChangeLog
from register.extensions import db
from register.gap.models import Finding, FindingSource, FindingStatus, Priority, Severity
from register.incidents.models import (Incident, IncidentControl, IncidentRequirement, IncidentStatus, Lesson,
                                       LessonStatus, Significance)
from register.incidents.services import requirement_by_key
from register.preparedness import services as prep_services
from register.preparedness.models import (Exercise, ExerciseLevel, ExerciseRequirement, ExerciseType, ImprovementPoint,
                                          ImprovementStatus)

from conftest import html
from test_preparedness_wheel import body, run_reminders

AWARE = dt.datetime(2025, 9, 1, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def records(app, catalogs, make_unit):
    """An exercise testing two requirements with an improvement point, an incident with a lesson, a control."""
    unit = make_unit(name="IT-drift", contact_email="it@kommune.example")
    today = prep_services.today()
    with app.app_context():
        exercise = Exercise(title="Cyberøvelse for krisestaben", exercise_type=ExerciseType.CRISIS_MANAGEMENT,
                            level=ExerciseLevel.BOARD, held_on=dt.date(2025, 5, 6), unit_links=[], plan_links=[],
                            sub_plan_links=[],
                            requirement_links=[ExerciseRequirement(requirement_id=requirement_by_key(k).id)
                                               for k in ("beredskab:hob.7", "nis2:21.2.c")])
        db.session.add(exercise)
        db.session.flush()
        point = ImprovementPoint(exercise_id=exercise.id, title="Nødstrøm til serverrummet afprøves",
                                 description="Ingen vidste, hvor nøglen til generatoren var.", owner_unit_id=unit,
                                 due_on=today + dt.timedelta(days=5), status=ImprovementStatus.OPEN)
        incident = Incident(title="Phishing mod lønkontoret", description="d", detected_at=AWARE, aware_at=AWARE,
                            significance=Significance.NOT_SIGNIFICANT, significance_reason="Ingen driftsforstyrrelse",
                            status=IncidentStatus.HANDLING)
        db.session.add_all([point, incident])
        db.session.flush()
        lesson = Lesson(incident_id=incident.id, owner_unit_id=unit, due_on=today + dt.timedelta(days=20),
                        description="Træn medarbejdere i at genkende phishing\nKampagne hvert kvartal.",
                        status=LessonStatus.OPEN)
        link = IncidentRequirement(incident_id=incident.id, requirement_id=requirement_by_key("nis2:21.2.g").id)
        control = Control(title="Phishing-kampagner", status=ControlStatus.IN_PROGRESS)
        db.session.add_all([lesson, link, control])
        db.session.commit()
        return {"unit": unit, "exercise": exercise.id, "point": point.id, "incident": incident.id,
                "lesson": lesson.id, "control": control.id, "today": today}


def finding_of(app, kind: FindingSource) -> Finding | None:
    with app.app_context():
        return db.session.execute(sa.select(Finding).where(Finding.source_kind == kind)
                                  .options(sa.orm.selectinload(Finding.requirement_links))).scalar_one_or_none()


def refs(finding: Finding, app) -> set[str]:
    with app.app_context():
        from register.catalogs.models import Requirement

        ids = [link.requirement_id for link in finding.requirement_links]
        return {r.full_ref for r in db.session.execute(sa.select(Requirement).where(Requirement.id.in_(ids))).scalars()}


def log_size(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count(ChangeLog.id))).scalar()


# --- exercise improvement point -> finding -------------------------------------------------------------------

def test_preparedness_may_not_create_a_finding_from_an_improvement_point(app, client, login, records):
    """Findings are gap analysis, which the role table gives to IT security (README, Roles)."""
    login("preparedness")
    assert "Opret fund" not in html(client.get(f"/oevelser/{records['exercise']}"))
    assert client.post(f"/oevelser/forbedring/{records['point']}/fund").status_code == 403
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Finding.id))).scalar() == 0


def test_improvement_point_becomes_a_finding_on_the_exercises_requirements(app, client, login, records):
    login("security")
    page = html(client.get(f"/oevelser/{records['exercise']}"))
    assert f'action="/oevelser/forbedring/{records["point"]}/fund"' in page and "Opret fund" in page

    response = client.post(f"/oevelser/forbedring/{records['point']}/fund")
    finding = finding_of(app, FindingSource.EXERCISE)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/gap-analyse/fund/{finding.id}")
    assert finding.source_id == records["point"]
    assert finding.source_label == "Cyberøvelse for krisestaben (06-05-2025)"
    assert finding.title == "Nødstrøm til serverrummet afprøves"
    assert finding.description == "Ingen vidste, hvor nøglen til generatoren var."
    assert finding.unit_id == records["unit"] and finding.due_on == records["today"] + dt.timedelta(days=5)
    assert finding.identified_on == records["today"] and finding.status == FindingStatus.OPEN
    # Middle of the matrix until someone rates it: medium severity, unknown cost counts as medium -> priority 3.
    assert finding.severity == Severity.MEDIUM and finding.cost is None and finding.priority == Priority.P3
    assert refs(finding, app) == {"beredskab:hob.7", "nis2:21.2.c"}
    with app.app_context():
        assert db.session.get(ImprovementPoint, records["point"]).finding_id == finding.id

    # The exercise links to the finding, the finding back to the exercise and its point.
    page = html(client.get(f"/oevelser/{records['exercise']}"))
    assert f'href="/gap-analyse/fund/{finding.id}"' in page and "Opret fund" not in page
    finding_page = html(client.get(f"/gap-analyse/fund/{finding.id}"))
    assert f'<a href="/oevelser/{records["exercise"]}#forbedringer">Cyberøvelse for krisestaben</a>' in finding_page
    assert "forbedringspunkt: Nødstrøm til serverrummet afprøves" in finding_page


def test_a_second_finding_for_the_same_point_is_refused(app, client, login, records):
    login("security")
    client.post(f"/oevelser/forbedring/{records['point']}/fund")
    before = log_size(app)
    response = client.post(f"/oevelser/forbedring/{records['point']}/fund", follow_redirects=True)
    assert "Forbedringspunktet har allerede et fund på handlingsplanen." in html(response)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Finding.id))).scalar() == 1
    assert log_size(app) == before


def test_the_finding_is_in_the_history_of_both_records(app, client, login, records):
    login("security")
    client.post(f"/oevelser/forbedring/{records['point']}/fund")
    with app.app_context():
        entities = set(db.session.execute(sa.select(ChangeLog.entity).where(
            ChangeLog.actor == "security@test.example")).scalars())
    assert {"gap_finding", "gap_finding_requirement", "prep_improvement"} <= entities


def test_board_sees_no_create_finding_button(client, login, records):
    login("board")
    assert "Opret fund" not in html(client.get(f"/oevelser/{records['exercise']}"))
    assert "Opret fund" not in html(client.get(f"/haendelser/{records['incident']}"))


# --- incident lesson -> finding ------------------------------------------------------------------------------

def test_lesson_becomes_a_finding_on_the_incidents_requirements(app, client, login, records):
    login("security")
    page = html(client.get(f"/haendelser/{records['incident']}"))
    assert f'action="/haendelser/erfaringer/{records["lesson"]}/fund"' in page

    response = client.post(f"/haendelser/erfaringer/{records['lesson']}/fund")
    finding = finding_of(app, FindingSource.INCIDENT)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/gap-analyse/fund/{finding.id}")
    assert finding.source_id == records["lesson"] and finding.source_label == "Phishing mod lønkontoret"
    assert finding.title == "Træn medarbejdere i at genkende phishing"
    assert finding.description.endswith("Kampagne hvert kvartal.")
    assert finding.unit_id == records["unit"] and finding.due_on == records["today"] + dt.timedelta(days=20)
    assert finding.priority == Priority.P3
    assert refs(finding, app) == {"nis2:21.2.g"}
    with app.app_context():
        assert db.session.get(Lesson, records["lesson"]).finding_id == finding.id

    page = html(client.get(f"/haendelser/{records['incident']}"))
    assert f'href="/gap-analyse/fund/{finding.id}"' in page and "Opret fund" not in page
    finding_page = html(client.get(f"/gap-analyse/fund/{finding.id}"))
    assert f'<a href="/haendelser/{records["incident"]}#erfaringer">Phishing mod lønkontoret</a>' in finding_page


def test_a_one_line_lesson_is_the_title_only(app, client, login, records):
    with app.app_context():
        db.session.get(Lesson, records["lesson"]).description = "Skift adgangskoder på lønsystemet"
        db.session.commit()
    login("security")
    client.post(f"/haendelser/erfaringer/{records['lesson']}/fund")
    finding = finding_of(app, FindingSource.INCIDENT)
    assert finding.title == "Skift adgangskoder på lønsystemet" and finding.description is None


def test_a_second_finding_for_the_same_lesson_is_refused(app, client, login, records):
    login("security")
    client.post(f"/haendelser/erfaringer/{records['lesson']}/fund")
    before = log_size(app)
    response = client.post(f"/haendelser/erfaringer/{records['lesson']}/fund", follow_redirects=True)
    assert "Erfaringen har allerede et fund på handlingsplanen." in html(response)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Finding.id))).scalar() == 1
    assert log_size(app) == before


def test_a_finding_whose_source_is_gone_still_names_it(app, client, login, records):
    login("security")
    client.post(f"/haendelser/erfaringer/{records['lesson']}/fund")
    finding = finding_of(app, FindingSource.INCIDENT)
    with app.app_context():
        db.session.delete(db.session.get(Lesson, records["lesson"]))
        db.session.commit()
    page = html(client.get(f"/gap-analyse/fund/{finding.id}"))
    assert "Hændelse: Phishing mod lønkontoret" in page and f"/haendelser/{records['incident']}" not in page


# --- incidents <-> controls ----------------------------------------------------------------------------------

def test_link_and_unlink_a_control_on_the_incident_page(app, client, login, records):
    login("security")
    page = html(client.get(f"/haendelser/{records['incident']}"))
    assert "Hændelsen er ikke knyttet til nogen tiltag." in page and "Phishing-kampagner" in page  # in the choices
    response = client.post(f"/haendelser/{records['incident']}/tiltag",
                           data={"control_id": str(records["control"]), "note": "Kampagnen nåede ikke lønkontoret"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#tiltag")
    page = html(client.get(f"/haendelser/{records['incident']}"))
    assert f'<a href="/tiltag/{records["control"]}">Phishing-kampagner</a>' in page
    assert "Kampagnen nåede ikke lønkontoret" in page
    control_page = html(client.get(f"/tiltag/{records['control']}"))
    assert f'<a href="/haendelser/{records["incident"]}">Phishing mod lønkontoret</a>' in control_page

    again = client.post(f"/haendelser/{records['incident']}/tiltag", data={"control_id": str(records["control"])},
                        follow_redirects=True)
    assert "Hændelsen er allerede knyttet til det tiltag." in html(again)
    with app.app_context():
        link = db.session.execute(sa.select(IncidentControl)).scalar_one()
        link_id = link.id
        assert db.session.execute(sa.select(ChangeLog).where(ChangeLog.entity == "incident_control")).scalar_one()

    assert client.post(f"/haendelser/{records['incident']}/tiltag/{link_id}/fjern").status_code == 302
    with app.app_context():
        assert db.session.execute(sa.select(IncidentControl)).first() is None
        actions = db.session.execute(sa.select(ChangeLog.action).where(ChangeLog.entity == "incident_control")
                                     .order_by(ChangeLog.id)).scalars().all()
    assert [a.value for a in actions] == ["insert", "delete"]


def test_linking_without_a_control_or_to_an_unknown_one_changes_nothing(app, client, login, records):
    login("security")
    before = log_size(app)
    for value in ("", "999999"):
        response = client.post(f"/haendelser/{records['incident']}/tiltag", data={"control_id": value},
                               follow_redirects=True)
        assert response.status_code == 200
    assert "Vælg et tiltag." in html(client.post(f"/haendelser/{records['incident']}/tiltag",
                                                 data={"control_id": ""}, follow_redirects=True))
    assert log_size(app) == before


def test_unlinking_another_incidents_control_is_404(app, client, login, records):
    with app.app_context():
        link = IncidentControl(incident_id=records["incident"], control_id=records["control"])
        db.session.add(link)
        db.session.commit()
        link_id = link.id
    login("security")
    assert client.post(f"/haendelser/999/tiltag/{link_id}/fjern").status_code == 404


# --- access ---------------------------------------------------------------------------------------------------

EDIT_URLS = [  # (method, url template, roles without the permission)
    ("POST", "/oevelser/forbedring/{point}/fund", ["board", "preparedness"]),
    ("POST", "/haendelser/erfaringer/{lesson}/fund", ["board", "preparedness"]),
    ("POST", "/haendelser/{incident}/tiltag", ["board", "preparedness"]),
    ("POST", "/haendelser/{incident}/tiltag/{link}/fjern", ["board", "preparedness"]),
]


@pytest.mark.parametrize("method,url,role", [(m, u, r) for m, u, roles in EDIT_URLS for r in roles])
def test_roles_without_permission_get_403_and_nothing_changes(app, client, login, records, method, url, role):
    with app.app_context():
        link = IncidentControl(incident_id=records["incident"], control_id=records["control"])
        db.session.add(link)
        db.session.commit()
        link_id = link.id
    login(role)
    before = log_size(app)
    response = client.open(url.format(link=link_id, **records), method=method,
                           data={"control_id": str(records["control"])})
    assert response.status_code == 403
    assert log_size(app) == before
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Finding.id))).scalar() == 0
        assert db.session.get(ImprovementPoint, records["point"]).finding_id is None
        assert db.session.get(Lesson, records["lesson"]).finding_id is None
        assert db.session.execute(sa.select(sa.func.count(IncidentControl.id))).scalar() == 1


# --- the requirement page ------------------------------------------------------------------------------------

def test_requirement_page_shows_findings_exercises_and_incidents(app, client, login, records):
    login("security")
    client.post(f"/haendelser/erfaringer/{records['lesson']}/fund")
    finding = finding_of(app, FindingSource.INCIDENT)
    with app.app_context():
        nis2_g = requirement_by_key("nis2:21.2.g").id
        hob7 = requirement_by_key("beredskab:hob.7").id
        db.session.add(ExerciseRequirement(exercise_id=records["exercise"], requirement_id=nis2_g))
        db.session.commit()
    page = html(client.get(f"/krav/{nis2_g}"))
    assert "<h2>Fund på handlingsplanen</h2>" in page
    assert f'<a href="/gap-analyse/fund/{finding.id}">Træn medarbejdere i at genkende phishing</a>' in page
    assert "<h2>Øvelser, der afprøver kravet</h2>" in page
    assert f'<a href="/oevelser/{records["exercise"]}">Cyberøvelse for krisestaben</a>' in page
    assert "<h2>Hændelser, der vedrører kravet</h2>" in page
    assert f'<a href="/haendelser/{records["incident"]}">Phishing mod lønkontoret</a>' in page
    # Sections are in a fixed order, and say so when nothing is linked.
    assert page.index("Fund på handlingsplanen") < page.index("Øvelser, der afprøver") < page.index("Hændelser, der")
    other = html(client.get(f"/krav/{hob7}"))
    assert "Ingen fund vedrører kravet." in other and "Ingen hændelser er knyttet til kravet." in other
    assert f'<a href="/oevelser/{records["exercise"]}">' in other


def test_requirement_page_lists_each_parts_records_in_their_order(app, client, login, records):
    """Findings: open before closed, then by priority and due date (none last); exercises and incidents newest
    first. The sections are read together, so each part's order is kept within its own section."""
    from register.gap.models import FindingRequirement

    login("board")
    with app.app_context():
        rid = requirement_by_key("nis2:21.2.g").id

        def finding(title, severity, due_on=None, status=FindingStatus.OPEN, override=None):
            return Finding(title=title, severity=severity, identified_on=dt.date(2025, 1, 1), unit_id=records["unit"],
                           due_on=due_on, status=status, priority_override=override,
                           closed_on=dt.date(2025, 2, 1) if status == FindingStatus.CLOSED else None,
                           priority_override_reason="Direktionen" if override else None,
                           requirement_links=[FindingRequirement(requirement_id=rid)])

        db.session.add_all([
            finding("F lukket", Severity.CRITICAL, dt.date(2025, 1, 1), status=FindingStatus.CLOSED),
            finding("F lav uden frist", Severity.LOW),
            finding("F lav", Severity.LOW, dt.date(2025, 3, 1)),
            finding("F kritisk sen", Severity.CRITICAL, dt.date(2026, 6, 1)),
            finding("F kritisk tidlig", Severity.CRITICAL, dt.date(2026, 1, 1)),
            finding("F løftet", Severity.LOW, dt.date(2027, 1, 1), override=Priority.P1)])
        for title, held, planned in (("Ø gammel", dt.date(2024, 5, 1), None),
                                     ("Ø planlagt", None, dt.date(2027, 1, 1)), ("Ø ny", dt.date(2025, 10, 1), None)):
            db.session.add(Exercise(title=title, exercise_type=ExerciseType.DILEMMA, level=ExerciseLevel.BOARD,
                                    held_on=held, planned_on=planned,
                                    requirement_links=[ExerciseRequirement(requirement_id=rid)]))
        for title, days in (("H ældst", -300), ("H nyest", 30)):
            incident = Incident(title=title, description="d", detected_at=AWARE + dt.timedelta(days=days),
                                aware_at=AWARE + dt.timedelta(days=days), significance=Significance.PENDING,
                                status=IncidentStatus.REGISTERED)
            db.session.add(incident)
            db.session.flush()
            db.session.add(IncidentRequirement(incident_id=incident.id, requirement_id=rid))
        db.session.commit()
        expected = [f.title for f in sorted(
            db.session.execute(sa.select(Finding).where(Finding.title.like("F %"))).scalars(),
            key=lambda f: (f.status == FindingStatus.CLOSED, int(f.priority.value), f.due_on is None,
                           f.due_on or dt.date.max))]
    page = html(client.get(f"/krav/{rid}"))

    def order(*titles):
        return sorted(titles, key=page.index)

    assert expected == ["F kritisk tidlig", "F kritisk sen", "F løftet", "F lav", "F lav uden frist", "F lukket"], \
        expected  # an override counts as the priority; closed comes last
    assert order(*expected) == expected
    assert order("Ø gammel", "Ø planlagt", "Ø ny") == ["Ø planlagt", "Ø ny", "Ø gammel"]
    assert order("H ældst", "H nyest", "Phishing mod lønkontoret") == [
        "H nyest", "Phishing mod lønkontoret", "H ældst"]


def test_requirement_page_query_count_does_not_grow_with_linked_items(app, client, login, records, count_queries):
    login("board")
    with app.app_context():
        rid = requirement_by_key("nis2:21.2.g").id
    url = f"/krav/{rid}"
    client.get(url)
    counts = []
    for extra in (1, 15):
        with app.app_context():
            for i in range(extra):
                exercise = Exercise(title=f"Øvelse {i}", exercise_type=ExerciseType.DILEMMA, level=ExerciseLevel.BOARD,
                                    planned_on=dt.date(2026, 1, 1 + i))
                incident = Incident(title=f"Hændelse {i}", description="d", detected_at=AWARE, aware_at=AWARE,
                                    significance=Significance.PENDING, status=IncidentStatus.REGISTERED)
                finding = Finding(title=f"Fund {i}", severity=Severity.HIGH, identified_on=dt.date(2025, 1, 1),
                                  unit_id=records["unit"], due_on=dt.date(2026, 2, 1))
                db.session.add_all([exercise, incident, finding])
                db.session.flush()
                from register.gap.models import FindingRequirement

                db.session.add_all([ExerciseRequirement(exercise_id=exercise.id, requirement_id=rid),
                                    IncidentRequirement(incident_id=incident.id, requirement_id=rid),
                                    FindingRequirement(finding_id=finding.id, requirement_id=rid)])
            db.session.commit()
        with count_queries() as counter:
            page = html(client.get(url))
        assert "Øvelse 0" in page and "Hændelse 0" in page and "Fund 0" in page
        counts.append(counter.count)
    assert counts[0] == counts[1]


# --- årshjul and reminders -----------------------------------------------------------------------------------

def test_findings_due_dates_are_in_the_wheel_with_a_link(app, client, login, records):
    login("security")
    client.post(f"/haendelser/erfaringer/{records['lesson']}/fund")
    finding = finding_of(app, FindingSource.INCIDENT)
    due = finding.due_on
    page = html(client.get(f"/aarshjul/?aar={due.year}"))
    assert f'href="/gap-analyse/fund/{finding.id}"' in page and "Fund på handlingsplanen" in page
    assert "Træn medarbejdere i at genkende phishing" in page
    mine = html(client.get(f"/aarshjul/?aar={due.year}&enhed={records['unit']}"))
    assert f'href="/gap-analyse/fund/{finding.id}"' in mine
    with app.app_context():
        from register.preparedness import wheel

        day_after = due + dt.timedelta(days=1)
        item = next(i for i in wheel.all_items(day_after) if i.key == f"finding:{finding.id}")
        assert item.late and not item.done and item.day == due and item.owner_unit_id == finding.unit_id
        assert not next(i for i in wheel.all_items(due) if i.key == f"finding:{finding.id}").late
        db.session.get(Finding, finding.id).status = FindingStatus.CLOSED
        db.session.get(Finding, finding.id).closed_on = records["today"]
        db.session.commit()
        from register.preparedness import wheel

        item = next(i for i in wheel.all_items(records["today"]) if i.key == f"finding:{finding.id}")
        assert item.done and not item.late and item.context == "Hændelse: Phishing mod lønkontoret"


def test_the_owner_unit_is_reminded_of_a_findings_due_date(app, client, login, records, smtp_server):
    port, inbox = smtp_server
    login("security")
    client.post(f"/oevelser/forbedring/{records['point']}/fund")
    finding = finding_of(app, FindingSource.EXERCISE)
    result = run_reminders(app, port, "--today", records["today"].isoformat())
    assert result.exit_code == 0, result.output
    assert len(inbox) == 1 and inbox[0]["To"] == "it@kommune.example"
    text = body(inbox[0])
    assert "Fund på handlingsplanen: Nødstrøm til serverrummet afprøves" in text
    assert f"https://register.kommune.example/gap-analyse/fund/{finding.id}" in text
    # A closed finding is not reminded of.
    with app.app_context():
        db.session.get(Finding, finding.id).status = FindingStatus.CLOSED
        db.session.get(Finding, finding.id).closed_on = records["today"]
        db.session.commit()
        from register.preparedness import reminders

        digests, _orphans = reminders.build_digests(records["today"] + dt.timedelta(days=30))
        assert all(not item.key.startswith("finding:") for d in digests for _s, item in d.entries)
