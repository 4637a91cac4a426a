"""Exercises through the web UI: planning, links to plans and requirements, evaluation, improvements, targets."""
import datetime as dt
import re

import sqlalchemy as sa

from register.catalogs.models import Requirement
from register.core.dates import local_today
from register.extensions import db
from register.preparedness.models import (Exercise, ExerciseLevel, ExerciseRequirement, ExerciseTarget, ExerciseType,
                                          ExerciseUnit, ImprovementPoint, ImprovementStatus, LegalBasis, Plan,
                                          SubPlan, SubPlanKind, TargetKind)
from register.preparedness.services import today as real_today

from conftest import html

D = dt.date.fromisoformat


def exercise_form(**overrides):
    return {"title": "Dilemmaøvelse for krisestaben", "exercise_type": "dilemma", "level": "board",
            "responsible_unit_id": "", "planned_on": "", "held_on": "", "scenario": "", "version": "0"} | overrides


def test_plan_an_exercise_linked_to_units_plans_sub_plans_and_requirements(app, client, login, catalogs, make_unit):
    units = [make_unit(name="Direktionssekretariatet"), make_unit(name="Kommunikation")]
    with app.app_context():
        plan = Plan(title="Plan for fortsat drift", legal_basis=LegalBasis.BEREDSKABSLOVEN_25, council_term_start=2026)
        sub = SubPlan(title="Delplan for IT-nedbrud", kind=SubPlanKind.DELPLAN, unit_id=units[0])
        db.session.add_all([plan, sub])
        db.session.commit()
        plan_id, sub_id = plan.id, sub.id
        hob7 = db.session.execute(sa.select(Requirement.id).where(Requirement.ref == "hob.7")).scalar_one()
    login("preparedness")
    form = html(client.get("/oevelser/ny"))
    assert "Procedureøvelse" in form and "Fuldskalaøvelse" in form and "HOB 7 Øvelser" in form
    planned = (real_today() + dt.timedelta(days=40)).isoformat()
    response = client.post("/oevelser/ny", data=exercise_form(
        planned_on=planned, unit_ids=[str(u) for u in units], plan_ids=[str(plan_id)], sub_plan_ids=[str(sub_id)],
        requirement_ids=[str(hob7)], scenario="Strømmen er væk i 36 timer."))
    assert response.status_code == 302, html(response)
    with app.app_context():
        exercise = db.session.execute(sa.select(Exercise)).scalar_one()
        assert exercise.exercise_type == ExerciseType.DILEMMA and exercise.level == ExerciseLevel.BOARD
        assert sorted(u for (u,) in db.session.execute(sa.select(ExerciseUnit.unit_id))) == sorted(units)
        exercise_id = exercise.id
    page = html(client.get(f"/oevelser/{exercise_id}"))
    assert "HOB 7" in page and "Delplan for IT-nedbrud" in page and "Plan for fortsat drift" in page
    assert "Kommunikation" in page and "Planlagt" in page
    assert "Dilemmaøvelse for krisestaben" in html(client.get("/"))  # next exercises on the start page
    # Unlinking a unit and the requirement removes the link records (and the history keeps them).
    response = client.post(f"/oevelser/{exercise_id}/rediger", data=exercise_form(
        planned_on=planned, unit_ids=[str(units[0])], plan_ids=[str(plan_id)], version="1"))
    assert response.status_code == 302
    with app.app_context():
        assert [u for (u,) in db.session.execute(sa.select(ExerciseUnit.unit_id))] == [units[0]]
        assert db.session.execute(sa.select(sa.func.count(ExerciseRequirement.id))).scalar() == 0


def test_exercise_needs_a_date_and_cannot_be_held_in_the_future(app, client, login):
    login("preparedness")
    response = client.post("/oevelser/ny", data=exercise_form(title=""))
    assert response.status_code == 422 and "Øvelsen skal have en titel." in html(response)
    response = client.post("/oevelser/ny", data=exercise_form())
    assert response.status_code == 422 and "Angiv en planlagt dato" in html(response)
    future = (real_today() + dt.timedelta(days=2)).isoformat()
    response = client.post("/oevelser/ny", data=exercise_form(held_on=future))
    assert response.status_code == 422 and "ikke være afholdt i fremtiden" in html(response)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Exercise.id))).scalar() == 0


def make_exercise(app, **overrides):
    values = {"title": "Evakuering af skoler", "exercise_type": ExerciseType.PROCEDURE,
              "level": ExerciseLevel.SUB_PLAN, "held_on": D("2026-09-10")} | overrides
    with app.app_context():
        exercise = Exercise(**values)
        db.session.add(exercise)
        db.session.commit()
        return exercise.id


def test_an_evaluation_is_more_than_a_debrief(app, client, login):
    exercise_id = make_exercise(app)
    login("preparedness")
    data = {"evaluation_purpose": "", "observations": "", "criteria_assessment": "", "went_well": "Hurtig evakuering",
            "must_improve": "Opråb af elever", "evaluated_on": "2026-09-20", "version": "1"}
    assert client.post(f"/oevelser/{exercise_id}/evaluering", data=data).status_code == 302
    page = html(client.get(f"/oevelser/{exercise_id}"))
    assert "En debriefing alene er ikke en evaluering." in page and "Afholdt, mangler evaluering" in page
    data |= {"evaluation_purpose": "Afprøve evakueringsproceduren", "observations": "Tidtagning og observatører",
             "criteria_assessment": "Alle ude inden 8 minutter: nået", "version": "2"}
    assert client.post(f"/oevelser/{exercise_id}/evaluering", data=data).status_code == 302
    page = html(client.get(f"/oevelser/{exercise_id}"))
    assert "En debriefing alene" not in page and "Evalueret" in page and "Alle ude inden 8 minutter" in page


def test_a_planned_exercise_cannot_be_evaluated(app, client, login):
    exercise_id = make_exercise(app, held_on=None, planned_on=real_today() + dt.timedelta(days=3))
    login("preparedness")
    response = client.post(f"/oevelser/{exercise_id}/evaluering", data={"evaluation_purpose": "X", "version": "1"})
    assert response.status_code == 422 and "skal være afholdt" in html(response)


def test_improvement_points_are_tracked_with_owner_due_date_and_status(app, client, login, make_unit):
    unit = make_unit(name="IT-drift")
    exercise_id = make_exercise(app)
    login("preparedness")
    response = client.post(f"/oevelser/{exercise_id}/forbedringer/ny", data={
        "title": "Reservekommunikation uden mobilnet", "description": "", "owner_unit_id": str(unit),
        "due_on": "2020-01-01", "status": "open", "completed_on": "", "version": "0"})
    assert response.status_code == 302
    page = html(client.get(f"/oevelser/{exercise_id}"))
    assert "Reservekommunikation uden mobilnet" in page and "IT-drift" in page and "Overskredet" in page
    with app.app_context():
        point = db.session.execute(sa.select(ImprovementPoint)).scalar_one()
        point_id = point.id
    response = client.post(f"/oevelser/forbedring/{point_id}/rediger", data={
        "title": "Reservekommunikation uden mobilnet", "owner_unit_id": str(unit), "due_on": "2020-01-01",
        "status": "done", "completed_on": "", "version": "1"})
    assert response.status_code == 302
    with app.app_context():
        point = db.session.get(ImprovementPoint, point_id)
        assert point.status == ImprovementStatus.DONE and point.completed_on == real_today()
    assert "Overskredet" not in html(client.get(f"/oevelser/{exercise_id}"))


def test_targets_and_progress_on_known_data(app, client, login, make_unit):
    today = real_today()
    unit = make_unit(name="Skoler")
    with app.app_context():
        subs = [SubPlan(title=f"Delplan {n}", kind=SubPlanKind.DELPLAN, unit_id=unit) for n in ("A", "B")]
        db.session.add_all(subs)
        db.session.flush()
        held = Exercise(title="Øvet A", exercise_type=ExerciseType.PROCEDURE, level=ExerciseLevel.SUB_PLAN,
                        held_on=today - dt.timedelta(days=1), unit_links=[], plan_links=[], requirement_links=[],
                        sub_plan_links=[])
        from register.preparedness.models import ExerciseSubPlan

        held.sub_plan_links.append(ExerciseSubPlan(sub_plan_id=subs[0].id))
        db.session.add(held)
        db.session.commit()
    login("preparedness")
    assert client.post("/oevelser/maal/ny", data={"kind": "board_exercises_per_year", "value": "1",
                                                  "note": "Mindst én om året", "active": "y",
                                                  "version": "0"}).status_code == 302
    assert client.post("/oevelser/maal/ny", data={"kind": "sub_plan_exercised_within", "value": "3", "active": "y",
                                                  "version": "0"}).status_code == 302
    page = html(client.get("/oevelser/"))
    assert "0 af 1 afholdt" in page and "1 af 2 delplaner øvet inden for 3 år" in page
    assert "Ikke øvet: Delplan B" in page and page.count("Bagud") == 2
    make_exercise(app, title="Direktionsøvelse", level=ExerciseLevel.BOARD, held_on=today)
    page = html(client.get("/oevelser/"))
    assert "1 af 1 afholdt" in page and "Nået" in page
    bad = client.post("/oevelser/maal/ny", data={"kind": "exercises_per_year", "value": "0", "version": "0"})
    assert bad.status_code == 422 and "Mellem 1 og 50." in html(bad)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(ExerciseTarget.id))).scalar() == 2
        assert db.session.execute(sa.select(ExerciseTarget.kind).order_by(ExerciseTarget.id)).scalars().all() == [
            TargetKind.BOARD_EXERCISES_PER_YEAR, TargetKind.SUB_PLAN_EXERCISED_WITHIN]


def test_targets_progress_follows_a_changed_target(app, client, login):
    login("preparedness")
    assert client.post("/oevelser/maal/ny", data={"kind": "board_exercises_per_year", "value": "1",
                                                  "note": "Mindst én om året", "active": "y",
                                                  "version": "0"}).status_code == 302
    page = html(client.get("/oevelser/"))
    assert "0 af 1 afholdt" in page and "Mindst én om året" in page
    with app.app_context():
        target_id = db.session.execute(sa.select(ExerciseTarget.id)).scalar_one()
    assert client.post(f"/oevelser/maal/{target_id}/rediger", data={
        "kind": "board_exercises_per_year", "value": "2", "note": "To om året", "active": "y",
        "version": "1"}).status_code == 302
    page = html(client.get("/oevelser/"))
    assert "0 af 2 afholdt" in page and "To om året" in page and "Mindst én om året" not in page


def test_the_exercise_count_follows_a_new_exercise(app, client, login):
    login("board")
    for i in range(51):
        make_exercise(app, title=f"Øvelse {i:02d}")
    assert "1–50 af 51 øvelser" in html(client.get("/oevelser/?page=1"))
    make_exercise(app, title="Den nyeste")
    assert "1–50 af 52 øvelser" in html(client.get("/oevelser/"))


def test_exercise_list_does_not_query_per_row(app, client, login, make_unit, count_queries):
    units = [make_unit(name=f"Enhed {i}") for i in range(3)]
    login("board")

    def add(n):
        with app.app_context():
            for i in range(n):
                e = Exercise(title=f"Øvelse {i}", exercise_type=ExerciseType.DILEMMA, level=ExerciseLevel.BOARD,
                             held_on=D("2026-01-02"), unit_links=[ExerciseUnit(unit_id=u) for u in units])
                e.improvements.append(ImprovementPoint(title="P", owner_unit_id=units[0]))
                db.session.add(e)
            db.session.commit()

    counts = []
    for n in (2, 25):
        add(n)
        with count_queries() as counter:
            assert client.get("/oevelser/").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_exercise_list_row_shows_participants_and_open_improvements(app, client, login, make_unit):
    skoler, it = make_unit(name="Skoler"), make_unit(name="IT-drift")
    with app.app_context():
        e = Exercise(title="Strømsvigt", exercise_type=ExerciseType.DILEMMA, level=ExerciseLevel.BOARD,
                     held_on=D("2026-01-02"), unit_links=[ExerciseUnit(unit_id=skoler), ExerciseUnit(unit_id=it)])
        for status in (ImprovementStatus.OPEN, ImprovementStatus.IN_PROGRESS, ImprovementStatus.DONE,
                       ImprovementStatus.DROPPED):
            e.improvements.append(ImprovementPoint(title=f"P {status.value}", owner_unit_id=it, status=status))
        db.session.add(e)
        db.session.commit()
    login("board")
    row = next(r for r in html(client.get("/oevelser/")).split("<tr>") if "Strømsvigt" in r)
    assert "<td>Skoler, IT-drift</td>" in row and '<td class="num">2</td>' in row  # done and dropped are closed


def test_the_exercise_form_offers_plans_newest_term_first_and_sub_plans_by_unit_then_due_date(
        app, client, login, make_unit):
    import re
    skoler, it = make_unit(name="Skoler"), make_unit(name="IT-drift")
    with app.app_context():
        db.session.add_all([
            Plan(title="Plan 2022", legal_basis=LegalBasis.OTHER, council_term_start=2022),
            Plan(title="Plan 2026", legal_basis=LegalBasis.OTHER, council_term_start=2026),
            SubPlan(title="Aa skoler", kind=SubPlanKind.DELPLAN, unit_id=skoler, last_revised_on=real_today()),
            SubPlan(title="Zz skoler", kind=SubPlanKind.DELPLAN, unit_id=skoler),  # never revised: due now
            SubPlan(title="Net", kind=SubPlanKind.DELPLAN, unit_id=it),
            SubPlan(title="Nedlagt", kind=SubPlanKind.DELPLAN, unit_id=it, active=False)])
        e = Exercise(title="Øvelse", exercise_type=ExerciseType.DILEMMA, level=ExerciseLevel.BOARD,
                     held_on=D("2026-01-02"))
        db.session.add(e)
        db.session.commit()
        exercise_id = e.id
    login("preparedness")

    def options(page, name):
        select = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)
        return re.findall(r"<option[^>]*>([^<]*)</option>", select)

    for url in ("/oevelser/ny", f"/oevelser/{exercise_id}/rediger"):
        page = html(client.get(url))
        assert options(page, "plan_ids") == ["Plan 2026", "Plan 2022"]
        assert options(page, "sub_plan_ids") == ["Net (IT-drift)", "Zz skoler (Skoler)", "Aa skoler (Skoler)"]


def test_exercise_list_is_paged_newest_first(app, client, login):
    """Ten years of exercises: 50 a page, newest first, undated last, and a pager to the rest."""
    login("board")
    with app.app_context():
        for i in range(118):
            db.session.add(Exercise(title=f"Øvelse {i:03d}", exercise_type=ExerciseType.DILEMMA,
                                    level=ExerciseLevel.BOARD, held_on=D("2016-01-01") + dt.timedelta(days=30 * i)))
        db.session.add(Exercise(title="Udateret øvelse", exercise_type=ExerciseType.DILEMMA, level=ExerciseLevel.BOARD))
        db.session.commit()
    first = html(client.get("/oevelser/"))
    assert "1–50 af 119 øvelser" in first
    assert "Øvelse 117" in first and "Øvelse 068" in first and "Øvelse 067" not in first
    assert 'href="/oevelser/?page=2"' in first and "Udateret øvelse" not in first
    last = html(client.get("/oevelser/?page=3"))
    assert "101–119 af 119 øvelser" in last and "Øvelse 000" in last and "Udateret øvelse" in last
    assert 'href="/oevelser/?page=2"' in last and "?page=4" not in last
    assert "101–119 af 119" in html(client.get("/oevelser/?page=40"))  # past the end: the last page


def test_exercise_list_shows_each_exercises_state_worked_out_in_the_database(app, client, login):
    """The list reads no evaluation texts: whether the evaluation is complete is worked out in SQL."""
    today = local_today()
    full = {"evaluation_purpose": "Formål", "observations": "Observationer", "criteria_assessment": "Vurdering"}
    with app.app_context():
        for title, fields in [("Evalueret øvelse", {"held_on": today, **full}),
                              ("Halvt evalueret", {"held_on": today, **full, "observations": ""}),
                              ("Glemt øvelse", {"planned_on": today - dt.timedelta(days=1)}),
                              ("Kommende øvelse", {"planned_on": today + dt.timedelta(days=1)})]:
            db.session.add(Exercise(title=title, exercise_type=ExerciseType.DILEMMA, level=ExerciseLevel.BOARD,
                                    **fields))
        db.session.commit()
    login("board")
    rows = html(client.get("/oevelser/")).split("<tr>")

    def row(title):
        return next(r for r in rows if title in r)

    assert ">Evalueret</span>" in row("Evalueret øvelse")
    assert ">Afholdt, mangler evaluering</span>" in row("Halvt evalueret")
    assert ">Planlagt dato passeret</span>" in row("Glemt øvelse")
    assert ">Planlagt</span>" in row("Kommende øvelse")


def test_the_exercise_form_offers_a_plan_made_since_at_once(app, client, login, make_unit):
    unit = make_unit(name="Direktionssekretariatet")
    with app.app_context():
        db.session.add(SubPlan(title="Delplan for IT-nedbrud", kind=SubPlanKind.DELPLAN, unit_id=unit))
        db.session.commit()
    login("preparedness")
    assert "Delplan for IT-nedbrud" in html(client.get("/oevelser/ny"))
    with app.app_context():
        db.session.add(Plan(title="Plan for fortsat drift 2026", legal_basis=LegalBasis.BEREDSKABSLOVEN_25,
                            council_term_start=2026))
        db.session.commit()
    form = html(client.get("/oevelser/ny"))
    assert "Plan for fortsat drift 2026" in form and "Delplan for IT-nedbrud" in form


def test_the_exercise_form_reads_its_links_ids_not_the_linked_records(app, client, login, catalogs, make_unit,
                                                                       count_queries):
    """Each requirement link brought its requirement and catalogue along, each unit link its unit: the form
    shows the linked ids as chosen options, labelled from the choices."""
    from register.preparedness.models import ExerciseUnit

    unit = make_unit(name="Skoler")
    with app.app_context():
        requirements = db.session.execute(sa.select(Requirement.id).order_by(Requirement.id).limit(3)).scalars().all()
        exercise = Exercise(title="Evakuering", exercise_type=ExerciseType.PROCEDURE, level=ExerciseLevel.SUB_PLAN,
                            held_on=D("2026-09-10"), unit_links=[ExerciseUnit(unit_id=unit)],
                            requirement_links=[ExerciseRequirement(requirement_id=r) for r in requirements])
        db.session.add(exercise)
        db.session.commit()
        exercise_id = exercise.id
    login("preparedness")
    client.get(f"/oevelser/{exercise_id}/rediger")
    with count_queries() as again:
        form = html(client.get(f"/oevelser/{exercise_id}/rediger"))
    chosen = form.split('name="requirement_ids"')[1].split("</select>")[0]
    assert re.findall(r'<option selected value="(\d+)">', chosen) == [str(r) for r in requirements]
    assert f'<option selected value="{unit}">Skoler</option>' in form.split('name="unit_ids"')[1]
    joined = [s for s in again.statements if "prep_exercise_" in s
              and re.search(r"JOIN (requirement|catalog|unit|prep_plan|prep_sub_plan)\b", s)]
    assert joined == [], joined
