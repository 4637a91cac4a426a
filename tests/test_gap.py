"""Assessments, maturity scores, next year's assessment, comparison and the priority rule."""
import datetime as dt
import itertools
import re

import pytest
import sqlalchemy as sa

from register.core.dates import local_today
from register.extensions import db
from register.gap import services
from register.gap.models import (Assessment, ControlScore, CostLevel, Finding, FindingSource, FindingStatus,
                                 ImplementationGroup, Priority, Severity, priority_for)
from register.gap.priority import priority_rank_sql, priority_sql

from conftest import html
from gap_helpers import cis_id


def test_create_an_assessment_through_the_form(app, client, login, catalogs):
    login("security")
    response = client.post("/gap-analyse/vurderinger/ny", data={
        "name": "Gap-analyse CIS 2025", "assessed_on": "2025-03-12", "assessor_kind": "external",
        "assessor_name": "Nordcyber ApS", "method": "CIS Controls v8", "scope": "Hele IT-driften",
        "start_from": "", "version": "0"})
    assert response.status_code == 302
    page = html(client.get(response.headers["Location"]))
    assert "Gap-analyse CIS 2025" in page and "Ekstern rådgiver: Nordcyber ApS" in page
    assert "CIS 18" in page and "ikke vurderet" in page


def test_invalid_assessment_is_reshown_in_danish(app, client, login, catalogs):
    login("security")
    response = client.post("/gap-analyse/vurderinger/ny", data={
        "name": "", "assessed_on": "12-03-2025x", "assessor_kind": "external", "assessor_name": "",
        "method": "CIS Controls v8", "start_from": "", "version": "0"})
    assert response.status_code == 422
    page = html(response)
    assert "Vurderingen skal have et navn." in page and "Ugyldig dato." in page
    assert "Angiv navnet på den eksterne rådgiver." in page
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Assessment.id))).scalar() == 0


def _score_form(page: str) -> dict:
    """The score form's fields as the browser would send them (selected options and values)."""
    data = dict(re.findall(r'name="(rows-\d+-(?:requirement_id|version))" type="hidden" value="([^"]*)"', page))
    for name in re.findall(r'<select[^>]*name="(rows-\d+-[a-z_]+)"', page):
        block = page.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
        selected = re.search(r'<option selected value="([^"]*)"', block)
        data[name] = selected.group(1) if selected else ""
    for name, value in re.findall(r'<textarea[^>]*name="(rows-\d+-justification)"[^>]*>\s*([^<]*)</textarea>', page):
        data[name] = value.strip()
    return data


def test_scores_are_recorded_per_control_with_the_scale_shown(app, client, login, make_assessment):
    assessment_id = make_assessment()
    login("security")
    page = html(client.get(f"/gap-analyse/vurderinger/{assessment_id}/modenhed"))
    assert "Modenhedsskala 0–5" in page and "Styret og målt" in page and "Optimeret" in page
    data = _score_form(page)
    assert len([k for k in data if k.endswith("requirement_id")]) == 18
    data |= {"rows-0-current_level": "1", "rows-0-target_level": "3", "rows-0-implementation_group": "ig1",
             "rows-0-justification": "Kun delvis fortegnelse", "rows-6-current_level": "0",
             "rows-6-target_level": "2"}
    response = client.post(f"/gap-analyse/vurderinger/{assessment_id}/modenhed", data=data)
    assert response.status_code == 302
    with app.app_context():
        scores = {s.requirement.ref: s for s in db.session.execute(sa.select(ControlScore)).scalars()}
        assert set(scores) == {"1", "7"}
        assert (scores["1"].current_level, scores["1"].target_level, scores["1"].implementation_group,
                scores["1"].justification, scores["1"].confirmed) == (1, 3, ImplementationGroup.IG1,
                                                                      "Kun delvis fortegnelse", True)
        rows = services.maturity_by_control(db.session.get(Assessment, assessment_id))
        summary = services.maturity_summary(rows)
        assert (summary["scored"], summary["average_current"], summary["average_target"],
                summary["below_target"]) == (2, 0.5, 2.5, 2)
    page = html(client.get(f"/gap-analyse/vurderinger/{assessment_id}"))
    assert "Kun delvis fortegnelse" in page and "IG1" in page
    assert '<span class="figure-value">0,5</span> <span class="figure-label">gennemsnitlig nuværende' in page



def test_the_start_page_shows_the_latest_assessments_averages_as_they_change(app, client, login, make_assessment):
    """A new score shows at once in the averages. Danish decimals."""
    assessment_id = make_assessment(name="Gap 2026", scores={"1": (1, 3), "7": (0, 2)})
    login("security")
    assert "0,5</span> <span class=\"figure-label\">gns. modenhed (mål 2,5) i Gap 2026" in html(client.get("/"))
    data = _score_form(html(client.get(f"/gap-analyse/vurderinger/{assessment_id}/modenhed")))
    data |= {"rows-0-current_level": "3", "rows-0-target_level": "4"}
    assert client.post(f"/gap-analyse/vurderinger/{assessment_id}/modenhed", data=data).status_code == 302
    assert "1,5</span> <span class=\"figure-label\">gns. modenhed (mål 3) i Gap 2026" in html(client.get("/"))

def test_a_score_outside_the_scale_is_refused(app, client, login, make_assessment):
    assessment_id = make_assessment()
    login("security")
    data = _score_form(html(client.get(f"/gap-analyse/vurderinger/{assessment_id}/modenhed")))
    data["rows-0-current_level"] = "9"
    assert client.post(f"/gap-analyse/vurderinger/{assessment_id}/modenhed", data=data).status_code == 422
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(ControlScore.id))).scalar() == 0


def test_concurrent_score_edit_is_refused(app, client, login, make_assessment):
    assessment_id = make_assessment(scores={"1": (1, 3)})
    login("security")
    data = _score_form(html(client.get(f"/gap-analyse/vurderinger/{assessment_id}/modenhed")))
    with app.app_context():
        score = db.session.execute(sa.select(ControlScore)).scalar_one()
        score.current_level = 2
        db.session.commit()
    data["rows-0-justification"] = "Min begrundelse"
    response = client.post(f"/gap-analyse/vurderinger/{assessment_id}/modenhed", data=data)
    assert response.status_code == 409 and "ændret af en anden" in html(response)
    with app.app_context():
        score = db.session.execute(sa.select(ControlScore)).scalar_one()
        assert (score.current_level, score.justification) == (2, None)


def test_next_years_assessment_starts_from_the_previous_one_unconfirmed(app, client, login, make_assessment):
    first = make_assessment(name="Gap 2025", scores={"1": (1, 3), "2": (2, 3), "7": (0, 2)})
    login("security")
    form = html(client.get(f"/gap-analyse/vurderinger/ny?fra={first}"))
    assert f'<option selected value="{first}">' in form
    response = client.post("/gap-analyse/vurderinger/ny", data={
        "name": "Gap 2026", "assessed_on": "2026-03-10", "assessor_kind": "internal", "assessor_name": "",
        "method": "CIS Controls v8", "start_from": str(first), "version": "0"})
    assert response.status_code == 302
    second = int(response.headers["Location"].rstrip("/").split("/")[-1])
    page = html(client.get(f"/gap-analyse/vurderinger/{second}"))
    assert page.count("Ubekræftet") == 3 and "Gap 2025" in page
    with app.app_context():
        copied = {s.requirement.ref: s for s in db.session.execute(
            sa.select(ControlScore).where(ControlScore.assessment_id == second)).scalars()}
        assert {ref: (s.current_level, s.target_level, s.confirmed) for ref, s in copied.items()} == {
            "1": (1, 3, False), "2": (2, 3, False), "7": (0, 2, False)}
        assert db.session.get(Assessment, second).previous_id == first

    data = _score_form(html(client.get(f"/gap-analyse/vurderinger/{second}/modenhed")))
    data["rows-0-confirm"] = "y"             # control 1: confirmed as it is
    data["rows-1-current_level"] = "3"       # control 2: changed, so confirmed
    assert client.post(f"/gap-analyse/vurderinger/{second}/modenhed", data=data).status_code == 302
    with app.app_context():
        after = {s.requirement.ref: s for s in db.session.execute(
            sa.select(ControlScore).where(ControlScore.assessment_id == second)).scalars()}
        assert {ref: (s.current_level, s.confirmed) for ref, s in after.items()} == {
            "1": (1, True), "2": (3, True), "7": (0, False)}
        first_scores = db.session.execute(sa.select(ControlScore.current_level).join(ControlScore.requirement)
                                          .where(ControlScore.assessment_id == first)
                                          .order_by(ControlScore.requirement_id)).scalars().all()
        assert first_scores == [1, 2, 0]  # last year's scores are untouched


def test_comparison_of_a_known_pair(app, client, login, make_assessment, make_finding):
    then = make_assessment(name="Gap 2025", assessed_on=dt.date(2025, 3, 12),
                           scores={"1": (1, 3), "2": (2, 3), "7": (0, 2)})
    now = make_assessment(name="Gap 2026", assessed_on=dt.date(2026, 3, 10),
                          scores={"1": (2, 3), "2": (1, 3), "7": (0, 2), "8": (2, 2)})
    closed = make_finding(title="Lukket i perioden", closed_on=dt.date(2025, 10, 1), status=FindingStatus.CLOSED)
    make_finding(title="Lukket før perioden", identified_on=dt.date(2024, 3, 1), status=FindingStatus.CLOSED,
                 closed_on=dt.date(2025, 1, 1))
    still = make_finding(title="Stadig åben", severity=Severity.CRITICAL)
    late = make_finding(title="Lukket efter den nye vurdering", status=FindingStatus.CLOSED,
                        closed_on=dt.date(2026, 5, 1))
    opened = make_finding(title="Ny i 2026", identified_on=dt.date(2026, 3, 10))
    make_finding(title="Efter perioden", identified_on=dt.date(2026, 6, 1))
    make_finding(title="Fra en øvelse", source_kind=FindingSource.EXERCISE, identified_on=dt.date(2025, 6, 1))
    with app.app_context():
        # the order the arguments come in does not matter: the earlier one is "then"
        result = services.compare_assessments(db.session.get(Assessment, now), db.session.get(Assessment, then))
        assert (result.then.id, result.now.id) == (then, now)
        changes = {c.requirement.ref: c.change for c in result.controls}
        assert (changes["1"], changes["2"], changes["7"], changes["8"], changes["3"]) == (1, -1, 0, None, None)
        assert (result.improved, result.declined) == (1, 1)
        assert [f.id for f in result.closed.items] == [closed]
        assert [f.id for f in result.opened.items] == [opened]
        assert [f.id for f in result.still_open.items] == [still, late]  # by priority: critical first
    login("board")
    page = html(client.get(f"/gap-analyse/sammenlign?fra={then}&til={now}"))
    assert "+1 (bedre)" in page and "-1 (dårligere)" in page
    figures = dict((label.strip(), int(value)) for value, label in re.findall(
        r'<span class="figure-value">(\d+)</span> <span class="figure-label">([^<]+)</span>', page))
    assert figures == {"kontroller forbedret": 1, "kontroller forringet": 1, "fund lukket": 1, "nye fund": 1,
                       "fund stadig åbne": 2}


def test_a_comparison_pages_each_list_and_its_cost_does_not_grow(app, client, login, make_assessment, make_finding,
                                                                    count_queries):
    then = make_assessment(name="Gap 2025", assessed_on=dt.date(2025, 3, 12))
    now = make_assessment(name="Gap 2026", assessed_on=dt.date(2026, 3, 10))
    make_finding(title="Ny i perioden", identified_on=dt.date(2025, 6, 1))
    for i in range(3):
        make_finding(title=f"Gammelt fund {i:02d}", identified_on=dt.date(2024, 1, 1))
    login("board")
    address = f"/gap-analyse/sammenlign?fra={then}&til={now}"
    with count_queries() as few:
        page = html(client.get(address))
    assert "Fund der stadig er åbne (3)" in page and 'rel="next"' not in page
    for i in range(3, 57):
        make_finding(title=f"Gammelt fund {i:02d}", identified_on=dt.date(2024, 1, 1))
    with count_queries() as many:
        page = html(client.get(address + "&nye=1"))
    assert many.count == few.count + 1  # the count, once a list passes a page; then whatever the length
    assert "Fund der stadig er åbne (57)" in page and "1–50 af 57 fund" in page and "Ny i perioden" in page
    assert page.count("Gammelt fund") == 50
    following = page.split('rel="next"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert following == f"/gap-analyse/sammenlign?fra={then}&til={now}&nye=1&aabne=2#aabne"
    second = html(client.get(following))
    assert second.count("Gammelt fund") == 7 and "51–57 af 57 fund" in second and "Ny i perioden" in second


def test_an_assessments_findings_are_paged_and_its_cost_does_not_grow(app, client, login, make_assessment,
                                                                        make_finding, count_queries):
    assessment_id = make_assessment(name="Gap 2026")
    other = make_assessment(name="Gap 2025", assessed_on=dt.date(2025, 3, 1))
    make_finding(title="Fra sidste år", assessment_id=other)
    make_finding(title="Kritisk fund", severity=Severity.CRITICAL, cost=CostLevel.LOW, assessment_id=assessment_id)
    login("board")
    address = f"/gap-analyse/vurderinger/{assessment_id}"
    with count_queries() as few:
        page = html(client.get(address))
    assert "Fund fra denne vurdering (1)" in page and "Kritisk fund" in page and "Fra sidste år" not in page
    for i in range(54):
        make_finding(title=f"Middel fund {i:02d}", assessment_id=assessment_id)
    with count_queries() as many:
        page = html(client.get(address))
    assert many.count == few.count + 1  # the count, once a list passes a page; then whatever the length
    assert "Fund fra denne vurdering (55)" in page and "1–50 af 55 fund" in page
    assert page.count("Middel fund") == 49 and page.index("Kritisk fund") < page.index("Middel fund")
    following = page.split('rel="next"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    assert following == f"{address}?page=2#fund"
    second = html(client.get(following))
    assert second.count("Middel fund") == 5 and "51–55 af 55 fund" in second and "Kritisk fund" not in second


@pytest.mark.parametrize("severity,cost,expected", [
    (Severity.CRITICAL, CostLevel.LOW, Priority.P1),
    (Severity.CRITICAL, CostLevel.HIGH, Priority.P2),
    (Severity.HIGH, CostLevel.MEDIUM, Priority.P2),
    (Severity.HIGH, None, Priority.P2),  # unknown cost counts as medium
    (Severity.MEDIUM, CostLevel.LOW, Priority.P2),
    (Severity.MEDIUM, CostLevel.HIGH, Priority.P4),
    (Severity.LOW, CostLevel.LOW, Priority.P3),
    (Severity.LOW, CostLevel.HIGH, Priority.P4),
])
def test_priority_rule_on_known_inputs(severity, cost, expected):
    assert priority_for(severity, cost) == expected


def test_the_database_orders_by_the_same_rule_and_an_override_wins(app, make_finding, catalogs):
    combos = list(itertools.product(Severity, [*CostLevel, None]))
    ids = {make_finding(title=f"{s.value}/{c}", severity=s, cost=c): priority_for(s, c) for s, c in combos}
    override = make_finding(title="Tilsidesat", severity=Severity.LOW, cost=CostLevel.HIGH,
                            priority_override=Priority.P1, priority_override_reason="Krav fra revisionen")
    ids[override] = Priority.P1
    with app.app_context():
        rows = db.session.execute(sa.select(Finding.id, priority_sql(), priority_rank_sql())).all()
        assert {fid: Priority(p) for fid, p, _rank in rows} == ids
        assert {fid: rank for fid, _p, rank in rows} == {fid: int(p.value) for fid, p in ids.items()}
        assert db.session.get(Finding, override).priority == Priority.P1
        assert db.session.get(Finding, override).computed_priority == Priority.P4


def test_override_needs_a_reason_and_closing_needs_evidence(app, client, login, make_assessment, make_finding,
                                                            server_clock_a_day_off):
    assessment_id = make_assessment()
    finding_id = make_finding(title="Backup testes ikke", severity=Severity.HIGH, cost=CostLevel.LOW)
    login("security")
    base = {"title": "Backup testes ikke", "severity": "high", "cost": "low", "status": "open",
            "identified_on": "2025-03-12", "assessment_id": str(assessment_id), "unit_id": "", "version": "1"}
    response = client.post(f"/gap-analyse/fund/{finding_id}/rediger", data=base | {"priority_override": "4"})
    assert response.status_code == 422 and "Skriv hvorfor prioriteten tilsidesættes." in html(response)
    response = client.post(f"/gap-analyse/fund/{finding_id}/rediger", data=base | {"status": "closed"})
    assert response.status_code == 422 and "Beskriv hvad der viser, at fundet er lukket." in html(response)
    with app.app_context():
        assert db.session.get(Finding, finding_id).version == 1
        control = cis_id("11")

    response = client.post(f"/gap-analyse/fund/{finding_id}/rediger", data=base | {
        "priority_override": "4", "priority_override_reason": "Afventer nyt backupsystem",
        "status": "closed", "closure_evidence": "Gendannelsestest 2025-05-01", "controls": [str(control)]})
    assert response.status_code == 302
    with app.app_context():
        finding = db.session.get(Finding, finding_id)
        assert (finding.priority, finding.computed_priority) == (Priority.P4, Priority.P1)
        assert finding.status == FindingStatus.CLOSED and finding.closed_on == local_today()
    page = html(client.get(f"/gap-analyse/fund/{finding_id}"))
    assert "Afventer nyt backupsystem" in page and "Gendannelsestest" in page and "Beregnet prioritet" in page


def test_create_a_finding_by_hand_and_duplicate_ids_are_refused(app, client, login, make_assessment,
                                                                make_finding, make_unit):
    assessment_id = make_assessment()
    unit = make_unit(name="IT-drift")
    make_finding(external_id="GAP-1")
    login("security")
    with app.app_context():
        control = cis_id("4")
    data = {"external_id": "GAP-2", "title": "Standardadgangskoder på printere", "severity": "medium",
            "cost": "", "status": "open", "identified_on": "2025-03-12", "due_on": "2025-12-31",
            "assessment_id": str(assessment_id), "unit_id": str(unit), "owner": "Jonas", "version": "0",
            "controls": [str(control)]}
    refused = client.post("/gap-analyse/fund/ny", data=data | {"external_id": "GAP-1"})
    assert refused.status_code == 422 and "Et andet fund har allerede id „GAP-1“." in html(refused)
    assert 'value="Standardadgangskoder på printere"' in html(refused)  # the input is kept
    response = client.post("/gap-analyse/fund/ny", data=data)
    assert response.status_code == 302
    page = html(client.get(response.headers["Location"]))
    assert "Standardadgangskoder på printere" in page and "CIS 4" in page and "IT-drift" in page
    with app.app_context():
        finding = db.session.execute(sa.select(Finding).where(Finding.external_id == "GAP-2")).scalar_one()
        assert finding.source_kind == FindingSource.GAP_ANALYSIS and finding.priority == Priority.P3
        assert db.session.execute(sa.select(sa.func.count(Finding.id))).scalar() == 2  # the refused one is not
    # editing it to another finding's id is refused too, and changes nothing
    edit = client.post(f"/gap-analyse/fund/{finding.id}/rediger",
                       data=data | {"external_id": "GAP-1", "title": "Ændret titel", "version": str(finding.version),
                                    "priority_override": ""})
    assert edit.status_code == 422 and "Et andet fund har allerede id „GAP-1“." in html(edit)
    with app.app_context():
        assert db.session.get(Finding, finding.id).title == "Standardadgangskoder på printere"


def test_demo_data_holds_two_assessments_and_an_action_plan(app, client, catalogs):
    runner = app.test_cli_runner()
    assert "Demo data loaded." in runner.invoke(args=["demo"]).output
    assert "already loaded" in runner.invoke(args=["demo"]).output
    with app.app_context():
        first, second = sorted(db.session.execute(sa.select(Assessment)).scalars(), key=lambda a: a.assessed_on)
        assert second.previous_id == first.id
        rows = services.maturity_by_control(first)
        assert services.maturity_summary(rows)["scored"] == 18 and services.maturity_summary(rows)["unconfirmed"] == 0
        assert services.maturity_summary(services.maturity_by_control(second))["unconfirmed"] == 13
        assert db.session.execute(sa.select(sa.func.count(Finding.id))).scalar() == 15
        comparison = services.compare_assessments(first, second)
        assert comparison.improved == 5 and comparison.opened.total == 3 and comparison.closed.total == 4
    response = client.post("/konto/login", data={"email": "direktion@nordsoe.example",
                                                 "password": "demo-register-2026"})
    assert response.status_code == 302
    assert "GAP-2025-09" in html(client.get("/gap-analyse/handlingsplan"))


def test_a_tampered_score_row_is_refused_not_an_error(app, client, login, catalogs):
    """Found by the hostile-input test: a non-numeric hidden control id must not cause a 500."""
    import datetime as dt

    from register.gap.models import Assessment, AssessorKind

    login("security")
    with app.app_context():
        assessment = services.create_assessment(Assessment(
            name="Test", assessed_on=dt.date(2025, 6, 1), assessor_kind=AssessorKind("internal"),
            method="CIS Controls v8"), None)
        db.session.commit()
        assessment_id = assessment.id
    response = client.post(f"/gap-analyse/vurderinger/{assessment_id}/modenhed",
                           data={"rows-0-requirement_id": "abc", "rows-0-version": "x", "rows-0-current_level": "9"})
    assert response.status_code in (400, 422)
