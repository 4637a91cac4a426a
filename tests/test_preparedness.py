"""The beredskabsplan through the web UI: plans, the revision timeline, reviews, sub-plans, introductions."""
import datetime as dt

import pytest
import sqlalchemy as sa

from register.extensions import db
from register.preparedness import rules
from register.preparedness.models import (LegalBasis, Milestone, MilestoneStatus, Plan, PlanReview, PlanStatus,
                                          PreparednessSettings, ResponsibleBody, SubPlan, SubPlanKind)
from register.preparedness.services import today as real_today

from conftest import html

D = dt.date.fromisoformat

MINUTES_TIMELINE = """Feb. – marts 2025\tDrøftelser med direktionerne om evt. ændringer til den nuværende beredskabsplan
Maj 2025\tForslag til revideret beredskabsplan sendes til godkendelse i de fire direktioner
Maj - juni 2025\tBeredskabsplanen sendes til udtalelse ved Beredskabsstyrelsen
Aug. – sep.\tBeredskabsplanen sendes til politisk godkendelse i de fire kommuner
Okt.-nov. 2025\tNVJBRAND faciliterer workshops for fagområderne om opdatering af del- og indsatsplaner
Januar 2026\tPolitik- og Plan for Fortsat Drift træder i kraft
"""


@pytest.fixture
def make_plan(app):
    def factory(**overrides):
        values = {"title": "Politik og Plan for Fortsat Drift 2026-2029", "legal_basis": LegalBasis.BEREDSKABSLOVEN_25,
                  "council_term_start": 2026, "status": PlanStatus.DRAFT} | overrides
        with app.app_context():
            plan = Plan(**values)
            db.session.add(plan)
            db.session.commit()
            return plan.id
    return factory


def plan_form(**overrides):
    return {"title": "Politik og Plan for Fortsat Drift 2026-2029", "legal_basis": "beredskabsloven_25",
            "council_term_start": str(rules.term_for(real_today()).start_year), "status": "draft", "adopted_on": "",
            "submitted_to_brs_on": "", "brs_consulted_on": "", "sst_advice_on": "", "in_force_from": "",
            "follows_plan_id": "", "owner_unit_id": "",
            "facilitator": "", "note": "", "version": "0"} | overrides


def test_register_a_plan_and_a_plan_that_follows_it(app, client, login, make_unit):
    unit = make_unit(name="Direktionssekretariatet")
    login("preparedness")
    form = client.get("/beredskab/plan/ny")
    assert form.status_code == 200 and "Valgperiode" in html(form) and "2030-2033" in html(form)
    response = client.post("/beredskab/plan/ny", data=plan_form(status="approved", adopted_on="2026-09-24",
                                                                submitted_to_brs_on="2026-10-01",
                                                                owner_unit_id=str(unit)))
    assert response.status_code == 302
    with app.app_context():
        main = db.session.execute(sa.select(Plan)).scalar_one()
        assert (main.status, main.adopted_on, main.owner_unit_id) == (PlanStatus.APPROVED, D("2026-09-24"), unit)
    response = client.post("/beredskab/plan/ny", data=plan_form(
        title="Sundhedsberedskabsplan 2026-2029", legal_basis="sundhedsloven_210", follows_plan_id=str(main.id)))
    assert response.status_code == 302
    page = html(client.get(f"/beredskab/plan/{main.id}"))
    assert "Planer der følger denne" in page and "Sundhedsberedskabsplan 2026-2029" in page
    assert "indsendes til Beredskabsstyrelsen" in page  # the legal rule of § 25 is spelled out


def test_submission_to_brs_follows_adoption_and_a_consultation_is_its_own_step_through_the_ui(app, client, login):
    """§ 25, stk. 4 on the plan form: a submission dated before the council's adoption is refused (nothing
    saved) with a pointer to the consultation field; the consultation and the submission both show on the plan."""
    login("preparedness")
    early = client.post("/beredskab/plan/ny", data=plan_form(status="approved", adopted_on="2026-09-24",
                                                             submitted_to_brs_on="2026-06-18"))
    assert early.status_code == 422 and "Sendt til udtalelse hos Beredskabsstyrelsen" in html(early)
    assert "kan ikke ligge før kommunalbestyrelsens vedtagelse" in html(early)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Plan.id))).scalar() == 0
    response = client.post("/beredskab/plan/ny", data=plan_form(status="approved", adopted_on="2026-09-24",
                                                                brs_consulted_on="2026-06-18",
                                                                submitted_to_brs_on="2026-09-30"))
    assert response.status_code == 302
    page = html(client.get(response.headers["Location"]))
    assert "Sendt til udtalelse hos Beredskabsstyrelsen" in page and "18. jun. 2026" in page
    assert "30. sep. 2026" in page


def test_sundhedsstyrelsens_advice_is_recorded_on_the_health_plan_through_the_ui(app, client, login):
    login("preparedness")
    health = dict(title="Sundhedsberedskabsplan 2026-2029", legal_basis="sundhedsloven_210", status="approved",
                  adopted_on="2026-09-24")
    late = client.post("/beredskab/plan/ny", data=plan_form(**health, sst_advice_on="2026-10-01"))
    assert late.status_code == 422 and "skal indhentes før vedtagelsen" in html(late)
    response = client.post("/beredskab/plan/ny", data=plan_form(**health, sst_advice_on="2026-08-20"))
    assert response.status_code == 302
    page = html(client.get(response.headers["Location"]))
    assert "Rådgivning fra Sundhedsstyrelsen indhentet" in page and "20. aug. 2026" in page


def test_invalid_plan_is_reshown_with_danish_errors_and_nothing_saved(app, client, login):
    login("preparedness")
    response = client.post("/beredskab/plan/ny", data=plan_form(title="", adopted_on="24-09-2025"))
    assert response.status_code == 422
    page = html(response)
    assert "Planen skal have en titel." in page and "Ugyldig dato. Skriv datoen som fx 2026-03-31." in page
    response = client.post("/beredskab/plan/ny", data=plan_form(status="in_force"))
    assert response.status_code == 422 and "skal have en vedtagelsesdato" in html(response)
    response = client.post("/beredskab/plan/ny", data=plan_form(council_term_start="2027"))
    assert response.status_code == 422
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Plan.id))).scalar() == 0


def test_the_minutes_timeline_is_entered_in_one_go(app, client, login, make_plan, make_unit):
    make_unit(name="Brand og Redning Nord")
    plan_id = make_plan()
    login("preparedness")
    lines = MINUTES_TIMELINE.replace("Januar 2026\t", "Januar 2026 | ").replace(
        "træder i kraft", "træder i kraft | Kommunalbestyrelsen")
    lines = lines.replace("Maj 2025\tForslag til revideret beredskabsplan sendes til godkendelse i de fire direktioner",
                          "Maj 2025 | Forslag til godkendelse i direktionen | Direktionen | 2025-05-21")
    response = client.post(f"/beredskab/plan/{plan_id}/milepaele", data={"lines": lines})
    assert response.status_code == 302, html(response)
    with app.app_context():
        ms = db.session.execute(sa.select(Milestone).order_by(Milestone.position)).scalars().all()
        assert [(m.window_start, m.window_end) for m in ms] == [
            (D("2025-02-01"), D("2025-03-01")), (D("2025-05-01"), D("2025-05-01")),
            (D("2025-05-01"), D("2025-06-01")), (D("2025-08-01"), D("2025-09-01")),
            (D("2025-10-01"), D("2025-11-01")), (D("2026-01-01"), D("2026-01-01"))]
        assert ms[1].responsible_body == ResponsibleBody.DIREKTIONEN and ms[1].status == MilestoneStatus.DONE
        assert ms[1].completed_on == D("2025-05-21")
        assert ms[5].responsible_body == ResponsibleBody.KOMMUNALBESTYRELSEN
    page = html(client.get(f"/beredskab/plan/{plan_id}"))
    assert "feb.–mar. 2025" in page and "aug.–sep. 2025" in page and "januar 2026" in page


def test_bad_timeline_lines_are_named_and_nothing_is_saved(app, client, login, make_plan):
    plan_id = make_plan()
    login("preparedness")
    response = client.post(f"/beredskab/plan/{plan_id}/milepaele", data={
        "lines": "Maj 2025 | God linje\nefterår | Dårligt tidsrum\nJuni 2025 | Ukendt | Byrådet"})
    assert response.status_code == 422
    page = html(response)
    assert "Linje 2: Tidsrummet „efterår“ kan ikke læses" in page
    assert "Linje 3: „Byrådet“ er hverken et organ" in page
    assert "God linje" in page  # the user's text is kept
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Milestone.id))).scalar() == 0


def test_timeline_marks_today_and_late_milestones_in_text(app, client, login, make_plan):
    today = real_today()
    plan_id = make_plan()
    past = rules.add_months(today.replace(day=1), -2)
    future = rules.add_months(today.replace(day=1), 2)
    with app.app_context():
        db.session.add_all([
            Milestone(plan_id=plan_id, position=1, title="Workshops for fagområderne", window_start=past,
                      window_end=past, responsible_body=ResponsibleBody.BRAND_OG_REDNING),
            Milestone(plan_id=plan_id, position=2, title="Godkendt i direktionen", window_start=past, window_end=past,
                      status=MilestoneStatus.DONE, completed_on=past),
            Milestone(plan_id=plan_id, position=3, title="Træder i kraft", window_start=future, window_end=future)])
        db.session.commit()
    login("board")
    page = html(client.get(f"/beredskab/plan/{plan_id}"))
    deadline = rules.month_end(past)
    assert page.count("Forsinket – frist") == 1
    assert page.index("Workshops for fagområderne") < page.index("Forsinket – frist") < page.index("Godkendt i")
    assert page.index("Godkendt i direktionen") < page.index("I dag") < page.index("Træder i kraft")
    assert "timeline-late" in page and str(deadline.day) in page


def test_edit_a_milestone_and_conflicts_are_refused(app, client, login, make_plan, make_unit):
    unit = make_unit(name="Natur og Miljø")
    plan_id = make_plan()
    with app.app_context():
        m = Milestone(plan_id=plan_id, title="Workshops", window_start=D("2025-10-01"), window_end=D("2025-11-01"))
        db.session.add(m)
        db.session.commit()
        milestone_id = m.id
    login("preparedness")
    form = html(client.get(f"/beredskab/milepael/{milestone_id}/rediger"))
    assert 'value="okt.–nov. 2025"' in form
    data = {"window": "Okt.-dec. 2025", "title": "Workshops", "responsible": f"unit:{unit}", "status": "planned",
            "completed_on": "2025-12-03", "note": "Flyttet", "version": "1"}
    assert client.post(f"/beredskab/milepael/{milestone_id}/rediger", data=data).status_code == 302
    with app.app_context():
        m = db.session.get(Milestone, milestone_id)
        assert (m.window_end, m.responsible_unit_id, m.status) == (D("2025-12-01"), unit, MilestoneStatus.DONE)
    stale = client.post(f"/beredskab/milepael/{milestone_id}/rediger", data=data | {"title": "Gammel"})
    assert stale.status_code == 409 and "ændret af en anden" in html(stale)
    bad = client.post(f"/beredskab/milepael/{milestone_id}/rediger",
                      data=data | {"status": "done", "completed_on": "", "version": "2"})
    assert bad.status_code == 422 and "Angiv hvornår milepælen blev gennemført." in html(bad)


def test_section_25_warning_and_annual_review_on_the_plan_pages(app, client, login, make_plan):
    today = real_today()
    term = rules.term_for(today)
    plan_id = make_plan(status=PlanStatus.IN_FORCE, adopted_on=term.start - dt.timedelta(days=90),
                        submitted_to_brs_on=term.start - dt.timedelta(days=60), in_force_from=term.start,
                        council_term_start=term.previous().start_year)  # the last term's plan, still in force
    login("preparedness")
    page = html(client.get("/beredskab/"))
    assert f"har endnu ikke vedtaget en revision i valgperioden {term.label}" in page
    assert "i den forrige valgperiode" in page
    response = client.post(f"/beredskab/plan/{plan_id}/gennemgang",
                           data={"reviewed_on": today.isoformat(), "reviewed_by": "Arbejdsgruppen", "note": "OK"})
    assert response.status_code == 302
    page = html(client.get(f"/beredskab/plan/{plan_id}"))
    assert "Arbejdsgruppen: OK" in page
    assert client.post(f"/beredskab/plan/{plan_id}/gennemgang", data={"reviewed_on": ""}).status_code == 422
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(PlanReview.id))).scalar() == 1


def test_review_overdue_follows_the_interval_setting(app, client, login, make_plan):
    today = real_today()
    make_plan(title="Gældende plan", status=PlanStatus.IN_FORCE, adopted_on=today - dt.timedelta(days=400),
              in_force_from=today - dt.timedelta(days=300), submitted_to_brs_on=today)
    login("preparedness")
    assert "Arbejdsgruppens gennemgang af „Gældende plan“ er overskredet" not in html(client.get("/beredskab/"))
    assert 'value="12"' in html(client.get("/beredskab/indstillinger"))  # the default, not stored by reading
    with app.app_context():
        assert db.session.execute(sa.select(PreparednessSettings)).all() == []
    response = client.post("/beredskab/indstillinger", data={
        "review_interval_months": "6", "review_interval_note": "Halvårlig status til direktionen",
        "sub_plan_interval_months": "24", "sub_plan_interval_note": "", "version": "0"})
    assert response.status_code == 302
    assert "Arbejdsgruppens gennemgang af „Gældende plan“ er overskredet" in html(client.get("/beredskab/"))
    assert "Arbejdsgruppens gennemgang af „Gældende plan“ er overskredet" in html(client.get("/"))  # start page
    bad = client.post("/beredskab/indstillinger", data={"review_interval_months": "0", "sub_plan_interval_months": "24",
                                                        "version": "2"})
    assert bad.status_code == 422 and "Mellem 1 og 60 måneder." in html(bad)
    with app.app_context():
        row = db.session.execute(sa.select(PreparednessSettings)).scalar_one()
        assert (row.review_interval_months, row.review_interval_note) == (6, "Halvårlig status til direktionen")


def test_default_settings_carry_their_reason(client, login):
    login("preparedness")
    page = html(client.get("/beredskab/indstillinger"))
    assert 'value="12"' in page and "gennemgår beredskabsplanen årligt" in page


def test_sub_plans_show_which_units_are_behind(app, client, login, make_unit):
    today = real_today()
    behind = make_unit(name="Sundhed og Omsorg")
    fine = make_unit(name="Skoler")
    login("preparedness")
    for title, unit, revised in [("Delplan for ældrepleje", behind, today - dt.timedelta(days=800)),
                                 ("Indsatsplan for strømafbrydelse", behind, None),
                                 ("Delplan for skoler", fine, today - dt.timedelta(days=30))]:
        response = client.post("/beredskab/delplaner/ny", data={
            "title": title, "kind": "indsatsplan" if "Indsats" in title else "delplan", "unit_id": str(unit),
            "area": "", "plan_id": "", "last_revised_on": revised.isoformat() if revised else "", "active": "y",
            "note": "", "version": "0"})
        assert response.status_code == 302, html(response)
    page = html(client.get("/beredskab/delplaner/"))
    table = page[page.index("Enheder der er bagud"):page.index("Alle planer")]
    assert "Sundhed og Omsorg" in table and "Skoler" not in table
    assert page.count("Forfalden") == 2
    only_school = html(client.get(f"/beredskab/delplaner/?enhed={fine}"))
    assert "Delplan for skoler" in only_school and "Delplan for ældrepleje" not in only_school
    missing_unit = client.post("/beredskab/delplaner/ny", data={"title": "X", "kind": "delplan", "unit_id": "",
                                                                "version": "0"})
    assert missing_unit.status_code == 422 and "Vælg en enhed." in html(missing_unit)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(SubPlan.id))).scalar() == 3


def test_leader_introductions(app, client, login, make_unit):
    unit = make_unit(name="Dagtilbud")
    login("preparedness")
    response = client.post("/beredskab/introduktioner/ny", data={
        "leader_name": "Louise Borg", "unit_id": str(unit), "started_on": "2026-08-01", "planned_on": "",
        "introduced_on": "2026-09-03", "given_by": "Brand og redning", "note": "", "version": "0"})
    assert response.status_code == 302
    client.post("/beredskab/introduktioner/ny", data={"leader_name": "Ny leder", "unit_id": "", "version": "0"})
    page = html(client.get("/beredskab/introduktioner/"))
    assert "Louise Borg" in page and "Dagtilbud" in page and "Brand og redning" in page and "Mangler" in page


def test_plan_and_sub_plan_lists_do_not_query_per_row(app, client, login, make_unit, count_queries):
    unit = make_unit(name="Enhed")
    login("board")

    def add(n):
        with app.app_context():
            for i in range(n):
                plan = Plan(title=f"Plan {i}", legal_basis=LegalBasis.OTHER, council_term_start=2026,
                            status=PlanStatus.IN_FORCE, adopted_on=D("2026-02-01"), owner_unit_id=unit)
                db.session.add(plan)
                db.session.flush()
                db.session.add(PlanReview(plan_id=plan.id, reviewed_on=D("2026-03-01")))
                db.session.add(SubPlan(title=f"Delplan {i}", kind=SubPlanKind.DELPLAN, unit_id=unit))
            db.session.commit()

    counts = []
    for n in (2, 20):
        add(n)
        for url in ("/beredskab/", "/beredskab/delplaner/"):
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            counts.append((url, counter.count))
    assert counts[:2] == [(url, c) for (url, c) in counts[2:]]


EDIT_URLS = [
    "/beredskab/plan/ny", "/beredskab/plan/{plan}/rediger", "/beredskab/plan/{plan}/milepaele",
    "/beredskab/plan/{plan}/gennemgang", "/beredskab/milepael/{milestone}/rediger", "/beredskab/indstillinger",
    "/beredskab/delplaner/ny", "/beredskab/delplaner/{sub_plan}/rediger", "/beredskab/introduktioner/ny",
    "/oevelser/ny", "/oevelser/{exercise}/rediger", "/oevelser/{exercise}/evaluering",
    "/oevelser/{exercise}/forbedringer/ny", "/oevelser/forbedring/{improvement}/rediger", "/oevelser/maal/ny",
    "/oevelser/{exercise}/krav",
]


@pytest.fixture
def records(app, make_unit):
    from register.preparedness.models import Exercise, ExerciseLevel, ExerciseType, ImprovementPoint

    unit = make_unit(name="Enhed")
    with app.app_context():
        plan = Plan(title="Plan", legal_basis=LegalBasis.BEREDSKABSLOVEN_25, council_term_start=2026)
        exercise = Exercise(title="Øvelse", exercise_type=ExerciseType.DILEMMA, level=ExerciseLevel.BOARD,
                            held_on=D("2026-01-01"))
        sub_plan = SubPlan(title="Delplan", kind=SubPlanKind.DELPLAN, unit_id=unit)
        db.session.add_all([plan, exercise, sub_plan])
        db.session.flush()
        milestone = Milestone(plan_id=plan.id, title="M", window_start=D("2025-05-01"), window_end=D("2025-05-01"))
        point = ImprovementPoint(exercise_id=exercise.id, title="P")
        db.session.add_all([milestone, point])
        db.session.commit()
        return {"plan": plan.id, "milestone": milestone.id, "exercise": exercise.id, "sub_plan": sub_plan.id,
                "improvement": point.id, "unit": unit}


def snapshot():
    from register.core.history import ChangeLog

    return db.session.execute(sa.select(sa.func.count(ChangeLog.id))).scalar()


@pytest.mark.parametrize("role", ["board", "security"])
@pytest.mark.parametrize("url", EDIT_URLS)
def test_roles_without_edit_preparedness_get_403_and_nothing_changes(app, client, login, records, role, url):
    login(role)
    with app.app_context():
        before = snapshot()
    data = {"title": "Ændret", "lines": "Maj 2025 | X", "reviewed_on": "2026-01-01", "leader_name": "X",
            "review_interval_months": "3", "sub_plan_interval_months": "3", "window": "maj 2025", "status": "done",
            "kind": "delplan", "unit_id": str(records["unit"]), "value": "2", "version": "1", "requirement_id": "1"}
    response = client.post(url.format(**records), data=data)
    assert response.status_code == 403
    with app.app_context():
        assert snapshot() == before


@pytest.mark.parametrize("url", [u for u in EDIT_URLS if "gennemgang" not in u and not u.endswith("/krav")])
def test_preparedness_role_may_open_the_edit_forms(client, login, records, url):
    login("preparedness")
    assert client.get(url.format(**records)).status_code == 200


@pytest.mark.parametrize("url", ["/beredskab/", "/beredskab/plan/{plan}", "/beredskab/delplaner/",
                                 "/beredskab/introduktioner/", "/oevelser/", "/oevelser/{exercise}", "/aarshjul/",
                                 "/aarshjul/abonnement"])
def test_every_role_reads_the_preparedness_pages(client, login, records, url):
    for role in ("board", "security", "preparedness", "admin"):
        login(role)
        assert client.get(url.format(**records)).status_code == 200, (role, url)


def test_edit_buttons_are_hidden_from_readers(client, login, records):
    login("board")
    assert "Registrer plan" not in html(client.get("/beredskab/"))
    assert "Tilføj milepæle" not in html(client.get(f"/beredskab/plan/{records['plan']}"))
    assert "Planlæg øvelse" not in html(client.get("/oevelser/"))
