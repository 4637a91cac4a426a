"""The read API: tokens, lists with filters and paging, CSV, the compliance figures and the OpenAPI contract."""
import csv
import datetime as dt
import io
import json
import re

import pytest
import sqlalchemy as sa
import sqlalchemy.orm

from register.api.models import ApiToken
from register.catalogs.models import Catalog, Requirement
from register.controls.models import Control, ControlRequirement, ControlStatus
from register.core.dates import local_today
from register.core.db import utcnow
from register.extensions import db
from register.gap.models import (Assessment, AssessorKind, ControlScore, CostLevel, Finding, FindingRequirement,
                                 FindingStatus, ImplementationGroup, Severity)
from register.incidents.models import (Incident, IncidentReport, IncidentStatus, IncidentUnit, Lesson, ReportKind,
                                       Significance)
from register.organisation.models import Unit, UnitKind
from register.preparedness.models import (Exercise, ExerciseLevel, ExercisePlan, ExerciseRequirement, ExerciseType,
                                          ExerciseUnit, ImprovementPoint, ImprovementStatus, LegalBasis, Milestone,
                                          MilestoneStatus, Plan, PlanStatus, SubPlan, SubPlanKind)
from register.requirements.models import ImplementationStatus, RequirementAssessment

from conftest import html

LIST_RESOURCES = ["requirement-assessments", "controls", "control-requirements", "gap-assessments",
                  "gap-control-scores", "findings", "plans", "milestones", "sub-plans", "exercises",
                  "improvement-points", "incidents", "incident-lessons"]
PAST, FUTURE = dt.date(2020, 1, 1), dt.date(2999, 1, 1)


def _requirements(catalog: str, n: int, offset: int = 0) -> list[Requirement]:
    """n leaf requirements of a catalogue (those the compliance figures count)."""
    child = sa.orm.aliased(Requirement)
    return list(db.session.execute(
        sa.select(Requirement).join(Catalog).where(Catalog.code == catalog, ~sa.exists().where(
            child.parent_id == Requirement.id)).order_by(Requirement.position, Requirement.id)
        .offset(offset).limit(n)).scalars())


def populate(n: int, offset: int = 0) -> dict:
    """n records of every kind the API lists, linked the way the register links them; returns some ids.

    A second call passes the number of records made before as `offset` (requirements are assessed once)."""
    units = [Unit(name=f"Enhed {i}", kind=UnitKind.DEPARTMENT) for i in range(n)]
    db.session.add_all(units)
    db.session.flush()
    nis2, cis = _requirements("nis2", n, offset), _requirements("cis-v8", n, offset)
    assert len(nis2) == len(cis) == n
    statuses = list(ImplementationStatus)
    for i, req in enumerate(nis2):
        db.session.add(RequirementAssessment(
            requirement_id=req.id, status=statuses[i % 4] if i % 5 else None, responsible_unit_id=units[i].id,
            next_review=PAST if i % 2 else FUTURE, applicable=i != 3))
    controls = [Control(title=f"Tiltag {i}", owner_unit_id=units[i].id,
                        status=ControlStatus.IMPLEMENTED if i % 2 else ControlStatus.PLANNED,
                        due_date=PAST if i % 3 == 0 else FUTURE) for i in range(n)]
    db.session.add_all(controls)
    db.session.flush()
    db.session.add_all(ControlRequirement(control_id=c.id, requirement_id=r.id)
                       for c, r in zip(controls, nis2, strict=True))
    assessments = [Assessment(name=f"Gap {i}", assessed_on=dt.date(2025 - i, 3, 1),
                              assessor_kind=AssessorKind.INTERNAL if i else AssessorKind.EXTERNAL) for i in range(n)]
    db.session.add_all(assessments)
    db.session.flush()
    assessment = assessments[0]
    db.session.add_all(ControlScore(assessment_id=assessment.id, requirement_id=r.id, current_level=1,
                                    target_level=3, implementation_group=ImplementationGroup.IG1,
                                    confirmed=i % 2 == 0) for i, r in enumerate(cis))
    findings = [Finding(title=f"Fund {i}", severity=Severity.CRITICAL if i % 2 else Severity.LOW,
                        cost=CostLevel.LOW, identified_on=dt.date(2025, 3, 1), assessment_id=assessment.id,
                        unit_id=units[i].id, due_on=PAST if i % 2 else FUTURE,
                        status=FindingStatus.OPEN) for i in range(n)]
    db.session.add_all(findings)
    db.session.flush()
    db.session.add_all(FindingRequirement(finding_id=f.id, requirement_id=r.id)
                       for f, r in zip(findings, cis, strict=True))
    plans = [Plan(title=f"Plan {i}", legal_basis=LegalBasis.BEREDSKABSLOVEN_25, council_term_start=2022,
                  status=PlanStatus.IN_FORCE if i % 2 else PlanStatus.DRAFT, owner_unit_id=units[i].id)
             for i in range(n)]
    db.session.add_all(plans)
    db.session.flush()
    db.session.add_all(Milestone(plan_id=p.id, title=f"Milepæl {i}", window_start=dt.date(2020, 1, 1),
                                 window_end=dt.date(2020, 2, 1) if i % 2 else dt.date(2999, 2, 1),
                                 status=MilestoneStatus.PLANNED, responsible_unit_id=units[i].id)
                       for i, p in enumerate(plans))
    sub_plans = [SubPlan(title=f"Delplan {i}", kind=SubPlanKind.DELPLAN, unit_id=units[i].id, plan_id=plans[i].id)
                 for i in range(n)]
    db.session.add_all(sub_plans)
    exercises = [Exercise(title=f"Øvelse {i}", exercise_type=ExerciseType.DILEMMA, level=ExerciseLevel.BOARD,
                          planned_on=PAST if i % 2 else FUTURE, responsible_unit_id=units[i].id) for i in range(n)]
    db.session.add_all(exercises)
    db.session.flush()
    beredskab = _requirements("beredskab", 1)
    for i, e in enumerate(exercises):
        db.session.add_all([ExerciseUnit(exercise_id=e.id, unit_id=units[(i + 1) % n].id),
                            ExercisePlan(exercise_id=e.id, plan_id=plans[i].id),
                            ExerciseRequirement(exercise_id=e.id, requirement_id=beredskab[0].id)])
        db.session.add(ImprovementPoint(exercise_id=e.id, title=f"Forbedring {i}", owner_unit_id=units[i].id,
                                        due_on=PAST if i % 2 else FUTURE, status=ImprovementStatus.OPEN))
    aware = dt.datetime(2025, 5, 1, 8, 0, tzinfo=dt.UTC)
    incidents = [Incident(title=f"Hændelse {i}", detected_at=aware, aware_at=aware + dt.timedelta(days=i),
                          description="Phishing", significance=Significance.SIGNIFICANT if i % 2 else
                          Significance.NOT_SIGNIFICANT, status=IncidentStatus.HANDLING) for i in range(n)]
    db.session.add_all(incidents)
    db.session.flush()
    for i, inc in enumerate(incidents):
        db.session.add(IncidentUnit(incident_id=inc.id, unit_id=units[i].id))
        db.session.add(IncidentReport(incident_id=inc.id, kind=ReportKind.EARLY_WARNING,
                                      submitted_at=inc.aware_at + dt.timedelta(hours=2), receipt_ref=f"R{i}"))
        db.session.add(Lesson(incident_id=inc.id, description=f"Lær {i}", owner_unit_id=units[i].id,
                              due_on=PAST if i % 2 else FUTURE))
    db.session.commit()
    return {"units": [u.id for u in units], "assessment": assessment.id, "controls": [c.id for c in controls],
            "nis2": [r.id for r in nis2]}


@pytest.fixture
def data(app, catalogs):
    with app.app_context():
        return populate(6)


def _csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


# --- tokens --------------------------------------------------------------------------------------------

def test_token_page_shows_a_new_token_once_and_stores_only_its_hash(app, client, login):
    login("board")
    response = client.post("/konto/api-noegler/", data={"name": "Power BI", "days": "30"})
    assert response.status_code == 200
    plain = re.search(r"reg_[A-Za-z0-9_-]{40,}", html(response)).group(0)
    with app.app_context():
        token = db.session.execute(sa.select(ApiToken)).scalar_one()
        assert token.token_hash != plain and plain not in token.token_hash and len(token.token_hash) == 64
        assert token.prefix == plain[:12]
        assert dt.timedelta(days=29) < token.expires_at - utcnow() <= dt.timedelta(days=30)
    assert plain not in html(client.get("/konto/api-noegler/"))
    response = client.get("/api/v1/units", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 200


def test_token_form_refuses_bad_input_with_422(app, client, login):
    login("board")
    response = client.post("/konto/api-noegler/", data={"name": "", "days": "999"})
    assert response.status_code == 422
    assert "Giv nøglen et navn" in html(response)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count()).select_from(ApiToken)).scalar() == 0


def test_revoked_token_is_refused(app, client, login, users):
    login("board")
    plain = re.search(r"reg_[A-Za-z0-9_-]{40,}",
                      html(client.post("/konto/api-noegler/", data={"name": "x", "days": "5"}))).group(0)
    with app.app_context():
        token_id = db.session.execute(sa.select(ApiToken.id)).scalar_one()
    client.post(f"/konto/api-noegler/{token_id}/tilbagekald")
    client.post("/konto/logout")
    response = client.get("/api/v1/units", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "API-nøgle" in response.get_json()["message"]


def test_expired_token_is_refused(app, client, make_token):
    plain = make_token("board", days=1)
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/controls", headers=headers).status_code == 200
    with app.app_context():
        token = db.session.execute(sa.select(ApiToken)).scalar_one()
        token.expires_at = utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    assert client.get("/api/v1/controls", headers=headers).status_code == 401


@pytest.mark.parametrize("header", ["", "Bearer ", "Bearer reg_unknown", "Basic dXNlcjpwdw==", "reg_x"])
def test_missing_or_unknown_tokens_get_401_json(client, header):
    response = client.get("/api/v1/findings", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert set(response.get_json()) == {"error", "message"}


def test_token_of_a_deactivated_user_is_refused(app, client, make_token, users):
    from register.accounts.models import User

    headers = {"Authorization": f"Bearer {make_token('security')}"}
    with app.app_context():
        db.session.get(User, users["security"]).active = False
        db.session.commit()
    assert client.get("/api/v1/incidents", headers=headers).status_code == 401


def test_another_users_token_cannot_be_revoked(app, client, login, make_token):
    make_token("security")
    with app.app_context():
        token_id = db.session.execute(sa.select(ApiToken.id)).scalar_one()
    login("board")
    assert client.post(f"/konto/api-noegler/{token_id}/tilbagekald").status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None


# --- reading, never writing ------------------------------------------------------------------------------

def test_a_readers_token_reads_every_list_and_item(api, data):
    for name in LIST_RESOURCES:
        response = api(f"/api/v1/{name}")
        assert response.status_code == 200, (name, response.get_data(as_text=True))
        body = response.get_json()
        assert body["meta"]["total"] == len(body["data"]) > 0, name
        first = body["data"][0]
        item = api(f"/api/v1/{name}/{first['id']}")
        assert item.status_code == 200 and item.get_json()["data"] == first, name
        assert api(f"/api/v1/{name}/999999").status_code == 404, name
        assert api(f"/api/v1/{name}/2147483648").status_code == 404, name  # beyond any key: not a 500


def test_nothing_in_the_api_writes_even_with_an_administrators_token(app, make_token, client, data):
    headers = {"Authorization": f"Bearer {make_token('admin')}"}
    with app.app_context():
        before = db.session.execute(sa.select(Finding.title, Finding.version).order_by(Finding.id)).all()
    for path in ["/api/v1/findings", "/api/v1/findings/1", "/api/v1/findings.csv", "/api/v1/compliance",
                 "/api/v1/compliance.csv", "/api/v1/incidents/1", "/api/v1/openapi.json", "/api/v1/"]:
        for method in ["POST", "PUT", "PATCH", "DELETE"]:
            response = client.open(path, method=method, headers=headers, json={"title": "ændret"})
            assert response.status_code == 405, (method, path)
            assert set(response.get_json()) == {"error", "message"}
    with app.app_context():
        assert db.session.execute(sa.select(Finding.title, Finding.version).order_by(Finding.id)).all() == before


def test_index_lists_resources_and_reports(api):
    body = api("/api/v1/").get_json()
    assert set(LIST_RESOURCES) <= set(body["resources"])
    assert body["reports"] == {"compliance": "/api/v1/compliance"}


# --- paging --------------------------------------------------------------------------------------------

def test_paging_gives_totals_and_next_prev_links_that_keep_the_filters(api, data):
    first = api("/api/v1/findings?per_page=2&status=open").get_json()
    assert first["meta"] == {"page": 1, "per_page": 2, "total": 6}
    assert "prev" not in first["links"]
    assert "status=open" in first["links"]["next"] and "page=2" in first["links"]["next"]
    second = api(first["links"]["next"]).get_json()
    assert "page=1" in second["links"]["prev"]
    last = api("/api/v1/findings?per_page=2&status=open&page=3").get_json()
    assert "next" not in last["links"]
    ids = [f["id"] for page in (first, second, last) for f in page["data"]]
    assert ids == sorted(ids) and len(set(ids)) == 6  # stable order by id: nothing twice, nothing missed
    beyond = api("/api/v1/findings?per_page=2&page=9").get_json()
    assert beyond["data"] == [] and beyond["meta"]["total"] == 6
    part = api("/api/v1/findings?per_page=4&page=2").get_json()  # not full: the total without a count
    assert part["meta"] == {"page": 2, "per_page": 4, "total": 6} and "next" not in part["links"]
    assert api("/api/v1/findings?per_page=500").get_json()["meta"]["total"] == 6


@pytest.mark.parametrize("query", ["page=0", "page=x", "per_page=501", "per_page=0", "page=1000001"])
def test_bad_paging_is_a_400_in_danish(api, query):
    response = api(f"/api/v1/controls?{query}")
    assert response.status_code == 400
    assert "skal være" in response.get_json()["message"]


# --- filters -------------------------------------------------------------------------------------------

def _ids(api, path) -> list[int]:
    response = api(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [row["id"] for row in response.get_json()["data"]]


def _field(api, path, name) -> list:
    return [row[name] for row in api(path).get_json()["data"]]


def test_requirement_assessment_filters(api, data):
    base = "/api/v1/requirement-assessments"
    assert set(_field(api, f"{base}?status=not_assessed", "status")) == {None}
    assert set(_field(api, f"{base}?status=planned", "status")) == {"planned"}
    assert set(_field(api, f"{base}?catalog=nis2", "catalog")) == {"nis2"} and _ids(api, f"{base}?catalog=cis-v8") == []
    unit = data["units"][2]
    assert _field(api, f"{base}?unit_id={unit}", "responsible_unit_id") == [unit]
    assert set(_field(api, f"{base}?applicable=false", "applicable")) == {False}
    assert set(_field(api, f"{base}?review_before=2021-01-01", "next_review")) == {PAST.isoformat()}
    assert set(_field(api, f"{base}?review_after=2021-01-01", "next_review")) == {FUTURE.isoformat()}
    overdue = api(f"{base}?overdue=true").get_json()["data"]
    assert overdue and all(r["review_overdue"] and r["applicable"] for r in overdue)
    not_overdue = api(f"{base}?overdue=false").get_json()["data"]
    assert len(overdue) + len(not_overdue) == 6 and not any(r["review_overdue"] for r in not_overdue)


def test_requirement_assessment_rows_show_the_records_values(app, api, data):
    """Each row of the list, its item and its CSV line say what the assessment, its requirement, catalogue and
    unit hold (the list reads plain rows, not the records)."""
    with app.app_context():
        first, second = db.session.scalars(sa.select(RequirementAssessment).order_by(RequirementAssessment.id)
                                           .limit(2)).all()
        first.maturity, first.notes, first.responsible_person = 3, "Noter æøå", "Åse"
        first.applicability_reason, first.status_from_controls = "Gælder os", True
        second.responsible_unit_id, second.next_review = None, None
        db.session.commit()
        expected = {}
        for a in db.session.scalars(sa.select(RequirementAssessment)):
            requirement = db.session.get(Requirement, a.requirement_id)
            unit = db.session.get(Unit, a.responsible_unit_id) if a.responsible_unit_id else None
            expected[a.id] = {
                "id": a.id, "requirement_id": a.requirement_id, "catalog": requirement.catalog.code,
                "display_ref": requirement.display_ref, "title": requirement.title_da, "applicable": a.applicable,
                "applicability_reason": a.applicability_reason, "status": a.status.value if a.status else None,
                "status_from_controls": a.status_from_controls, "maturity": a.maturity,
                "responsible_unit_id": a.responsible_unit_id, "responsible_unit": unit.name if unit else None,
                "responsible_person": a.responsible_person,
                "next_review": a.next_review.isoformat() if a.next_review else None,
                "review_overdue": bool(a.applicable and a.next_review and a.next_review < local_today()),
                "notes": a.notes}
    rows = api("/api/v1/requirement-assessments").get_json()["data"]
    assert {row["id"]: row for row in rows} == expected
    assert any(row["review_overdue"] for row in rows) and not all(row["review_overdue"] for row in rows)
    assert api(f"/api/v1/requirement-assessments/{first.id}").get_json()["data"] == expected[first.id]
    header, line = _csv(api("/api/v1/requirement-assessments.csv"))[:2]
    assert dict(zip(header, line, strict=True)) == {
        "ID": str(first.id), "Krav (ID)": str(first.requirement_id), "Katalog": "nis2",
        "Reference": expected[first.id]["display_ref"], "Krav": expected[first.id]["title"], "Relevant": "ja",
        "Begrundelse for relevans": "Gælder os", "Status": "", "Status fra tiltag": "ja", "Modenhed (0-5)": "3",
        "Ansvarlig enhed (ID)": str(first.responsible_unit_id), "Ansvarlig enhed": "Enhed 0",
        "Ansvarlig person": "Åse", "Næste gennemgang": FUTURE.isoformat(), "Gennemgang overskredet": "nej",
        "Noter": "Noter æøå"}


def test_every_field_is_written_as_its_values_own_type_says(app, data):
    """A field's JSON form is chosen once from its declared type; it is what the value's own type gives."""
    from register.api.resources import REGISTRY, json_value

    with app.test_request_context():
        for resource in REGISTRY.values():
            rows, _ = resource.page({}, 1, 500)
            assert rows or resource.name not in LIST_RESOURCES, resource.name  # populate() fills these
            for row, item in zip(rows, resource.json_rows(rows), strict=True):
                assert json.dumps(item, sort_keys=True) == json.dumps(
                    {f.name: json_value(f.get(row)) for f in resource.fields}, sort_keys=True), resource.name


def test_control_filters(api, data):
    base = "/api/v1/controls"
    assert set(_field(api, f"{base}?status=implemented", "status")) == {"implemented"}
    assert _field(api, f"{base}?unit_id={data['units'][0]}", "owner_unit_id") == [data["units"][0]]
    assert set(_field(api, f"{base}?due_before=2021-01-01", "due_date")) == {PAST.isoformat()}
    assert set(_field(api, f"{base}?due_after=2021-01-01", "due_date")) == {FUTURE.isoformat()}
    overdue = api(f"{base}?overdue=true").get_json()["data"]
    assert overdue and all(r["overdue"] and r["status"] != "implemented" for r in overdue)
    assert len(_ids(api, f"{base}?overdue=false")) == 6 - len(overdue)
    assert _ids(api, f"{base}?requirement_id={data['nis2'][1]}") == [data["controls"][1]]
    assert len(_ids(api, f"{base}?catalog=nis2")) == 6 and _ids(api, f"{base}?catalog=cis-v8") == []
    links = "/api/v1/control-requirements"
    assert _field(api, f"{links}?control_id={data['controls'][2]}", "requirement_id") == [data["nis2"][2]]
    assert _field(api, f"{links}?requirement_id={data['nis2'][2]}", "control_id") == [data["controls"][2]]
    assert len(_ids(api, f"{links}?catalog=nis2")) == 6 and _ids(api, f"{links}?catalog=beredskab") == []


def test_gap_filters(api, data):
    assert _ids(api, "/api/v1/gap-assessments?assessor_kind=external") == [data["assessment"]]
    assert len(_ids(api, "/api/v1/gap-assessments?assessor_kind=internal")) == 5
    assert _ids(api, "/api/v1/gap-assessments?assessed_after=2025-03-01") == [data["assessment"]]
    assert len(_ids(api, "/api/v1/gap-assessments?assessed_before=2025-03-01")) == 5
    scores = "/api/v1/gap-control-scores"
    assert len(_ids(api, f"{scores}?assessment_id={data['assessment']}")) == 6
    assert _ids(api, f"{scores}?assessment_id=999") == []
    assert len(_ids(api, f"{scores}?implementation_group=ig1")) == 6
    assert _ids(api, f"{scores}?implementation_group=ig2") == []
    assert set(_field(api, f"{scores}?confirmed=false", "confirmed")) == {False}
    assert set(_field(api, scores, "gap")) == {2}
    findings = "/api/v1/findings"
    assert set(_field(api, f"{findings}?severity=critical", "severity")) == {"critical"}
    assert set(_field(api, f"{findings}?priority=1", "priority")) == {"1"}  # critical and cheap
    assert set(_field(api, f"{findings}?priority=3", "severity")) == {"low"}
    assert len(_ids(api, f"{findings}?source_kind=gap_analysis")) == 6
    assert _ids(api, f"{findings}?source_kind=incident") == []
    assert len(_ids(api, f"{findings}?assessment_id={data['assessment']}")) == 6
    assert _field(api, f"{findings}?unit_id={data['units'][4]}", "unit") == ["Enhed 4"]
    assert set(_field(api, f"{findings}?due_before=2021-01-01", "overdue")) == {True}
    assert set(_field(api, f"{findings}?due_after=2021-01-01", "overdue")) == {False}
    assert len(_ids(api, f"{findings}?overdue=true")) == 3 and len(_ids(api, f"{findings}?overdue=false")) == 3
    assert len(_ids(api, f"{findings}?catalog=cis-v8")) == 6 and _ids(api, f"{findings}?catalog=nis2") == []
    one = api(findings).get_json()["data"][0]
    assert len(_ids(api, f"{findings}?requirement_id={one['requirement_ids'][0]}")) == 1
    assert one["requirement_refs"].startswith("cis-v8:")
    assert set(_ids(api, f"{findings}?status=closed")) == set()


def test_preparedness_filters(api, data):
    assert set(_field(api, "/api/v1/plans?status=in_force", "status")) == {"in_force"}
    assert len(_ids(api, "/api/v1/plans?legal_basis=beredskabsloven_25")) == 6
    assert _ids(api, "/api/v1/plans?legal_basis=sundhedsloven_210") == []
    assert len(_ids(api, "/api/v1/plans?council_term_start=2022")) == 6
    assert _field(api, f"/api/v1/plans?unit_id={data['units'][1]}", "owner_unit") == ["Enhed 1"]
    plan_id = _ids(api, "/api/v1/plans")[0]
    ms = "/api/v1/milestones"
    assert _field(api, f"{ms}?plan_id={plan_id}", "plan_id") == [plan_id]
    assert len(_ids(api, f"{ms}?status=planned")) == 6 and _ids(api, f"{ms}?status=done") == []
    assert len(_ids(api, f"{ms}?unit_id={data['units'][0]}")) == 1
    late = api(f"{ms}?overdue=true").get_json()["data"]
    assert len(late) == 3 and all(m["overdue"] and m["deadline"] == "2020-02-29" for m in late)
    assert len(_ids(api, f"{ms}?overdue=false")) == 3
    assert len(_ids(api, f"{ms}?window_end_before=2021-01-01")) == 3
    assert len(_ids(api, f"{ms}?window_end_after=2021-01-01")) == 3
    sp = "/api/v1/sub-plans"
    assert len(_ids(api, f"{sp}?kind=delplan")) == 6 and _ids(api, f"{sp}?kind=indsatsplan") == []
    assert len(_ids(api, f"{sp}?unit_id={data['units'][0]}")) == 1
    assert len(_ids(api, f"{sp}?plan_id={plan_id}")) == 1
    assert len(_ids(api, f"{sp}?active=true")) == 6 and _ids(api, f"{sp}?active=false") == []
    assert _ids(api, f"{sp}?revised_before=2030-01-01") == [] and _ids(api, f"{sp}?revised_after=2000-01-01") == []
    ex = "/api/v1/exercises"
    assert set(_field(api, f"{ex}?state=overdue", "state")) == {"overdue"}
    assert len(_ids(api, f"{ex}?state=overdue")) == 3 and len(_ids(api, f"{ex}?state=planned")) == 3
    assert _ids(api, f"{ex}?state=held") == [] and _ids(api, f"{ex}?state=evaluated") == []
    assert len(_ids(api, f"{ex}?exercise_type=dilemma")) == 6 and _ids(api, f"{ex}?exercise_type=full_scale") == []
    assert len(_ids(api, f"{ex}?level=board")) == 6 and _ids(api, f"{ex}?level=sub_plan") == []
    assert len(_ids(api, f"{ex}?unit_id={data['units'][1]}")) == 2  # responsible for one, takes part in another
    assert len(_ids(api, f"{ex}?plan_id={plan_id}")) == 1 and _ids(api, f"{ex}?sub_plan_id=1") == []
    assert len(_ids(api, f"{ex}?planned_before=2021-01-01")) == 3
    assert len(_ids(api, f"{ex}?planned_after=2021-01-01")) == 3
    assert _ids(api, f"{ex}?held_after=2000-01-01") == [] and _ids(api, f"{ex}?held_before=2100-01-01") == []
    exercise = api(ex).get_json()["data"][0]
    assert exercise["plan_ids"] == [plan_id] and exercise["requirement_refs"].startswith("beredskab:")
    ip = "/api/v1/improvement-points"
    assert len(_ids(api, f"{ip}?status=open")) == 6 and _ids(api, f"{ip}?status=done") == []
    assert len(_ids(api, f"{ip}?exercise_id={exercise['id']}")) == 1
    assert len(_ids(api, f"{ip}?unit_id={data['units'][0]}")) == 1
    assert len(_ids(api, f"{ip}?overdue=true")) == 3 and len(_ids(api, f"{ip}?overdue=false")) == 3
    assert len(_ids(api, f"{ip}?due_before=2021-01-01")) == 3 and len(_ids(api, f"{ip}?due_after=2021-01-01")) == 3


def test_incident_filters_and_deadlines(api, data):
    base = "/api/v1/incidents"
    significant = api(f"{base}?significance=significant").get_json()["data"]
    assert len(significant) == 3
    one = significant[0]
    aware = dt.datetime.fromisoformat(one["aware_at"])
    assert dt.datetime.fromisoformat(one["early_warning_due"]) == aware + dt.timedelta(hours=24)
    assert dt.datetime.fromisoformat(one["notification_due"]) == aware + dt.timedelta(hours=72)
    # still being handled a month on: a progress report was due then, the final report a month after handling
    assert one["progress_report_due"] and one["final_report_due"] is None and one["handled_at"] is None
    assert one["final_report_due_provisional"] is False and one["early_warning_submitted_at"]
    assert one["next_deadline"] == one["notification_due"] and one["deadline_missed"] is True  # 2025 is past
    other = api(f"{base}?significance=not_significant").get_json()["data"][0]
    assert other["early_warning_due"] is None and other["deadline_missed"] is False
    assert len(_ids(api, f"{base}?status=handling")) == 6 and _ids(api, f"{base}?status=closed") == []
    assert len(_ids(api, f"{base}?open=true")) == 6 and _ids(api, f"{base}?open=false") == []
    assert _field(api, f"{base}?unit_id={data['units'][3]}", "unit_ids") == [[data["units"][3]]]
    # aware_at is 1 May 2025 08:00 UTC plus i days; days are Danish calendar days
    assert len(_ids(api, f"{base}?aware_after=2025-05-03")) == 4
    assert len(_ids(api, f"{base}?aware_before=2025-05-03")) == 2
    assert len(_ids(api, f"{base}?aware_after=0001-01-01&aware_before=9999-12-31")) == 6
    lessons = "/api/v1/incident-lessons"
    assert len(_ids(api, f"{lessons}?status=open")) == 6 and _ids(api, f"{lessons}?status=done") == []
    assert len(_ids(api, f"{lessons}?incident_id={one['id']}")) == 1
    assert len(_ids(api, f"{lessons}?unit_id={data['units'][0]}")) == 1
    assert len(_ids(api, f"{lessons}?overdue=true")) == 3 and len(_ids(api, f"{lessons}?overdue=false")) == 3
    assert len(_ids(api, f"{lessons}?due_before=2021-01-01")) == 3
    assert len(_ids(api, f"{lessons}?due_after=2021-01-01")) == 3


@pytest.mark.parametrize("query,words", [
    ("/api/v1/findings?status=lukket", "skal være en af"),
    ("/api/v1/findings?due_before=31-12-2025", "skal være date"),
    ("/api/v1/findings?overdue=ja", "skal være boolean"),
    ("/api/v1/controls?unit_id=abc", "skal være integer"),
    ("/api/v1/controls?unit_id=-1", "skal være integer"),
    ("/api/v1/requirement-assessments?catalog=" + "x" * 201, "for lang"),
    ("/api/v1/incidents.csv?aware_after=igår", "skal være date"),
    ("/api/v1/compliance?as_of=1999-12-31", "skal ligge mellem"),
    ("/api/v1/compliance.csv?as_of=2025-02-30", "skal være date"),
])
def test_bad_filter_values_are_400_json_in_danish(api, query, words):
    response = api(query)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "Ugyldig forespørgsel" and words in body["message"]


# --- CSV -----------------------------------------------------------------------------------------------

def test_csv_has_bom_semicolons_danish_headers_and_the_filtered_rows(api, data):
    response = api("/api/v1/findings.csv?severity=critical")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "findings.csv" in response.headers["Content-Disposition"]
    rows = _csv(response)
    assert rows[0][:3] == ["ID", "Titel", "Beskrivelse"] and "Kritikalitet" in rows[0] and "Frist" in rows[0]
    assert len(rows) == 4 and {r[rows[0].index("Kritikalitet")] for r in rows[1:]} == {"critical"}
    assert {r[rows[0].index("Frist overskredet")] for r in rows[1:]} == {"ja"}
    assert response.get_data(as_text=True).count("\r\n") == 4


def test_every_csv_header_is_danish(api, data):
    for name in LIST_RESOURCES:
        header = _csv(api(f"/api/v1/{name}.csv"))[0]
        keys = list(api(f"/api/v1/{name}").get_json()["data"][0])
        assert len(header) == len(keys) and header[0] == "ID", name
        assert all(h != k and h[0].isupper()
                   for h, k in zip(header, keys, strict=True) if k not in ("id", "status")), name


def test_csv_neutralises_formulas(app, api, data):
    with app.app_context():
        finding = db.session.get(Finding, 1)
        finding.title = "=HYPERLINK(\"http://evil\")"
        finding.description = "+45 cmd|' /C calc'!A0"
        finding.owner = "@SUM(1)"
        db.session.commit()
    rows = _csv(api("/api/v1/findings.csv"))
    header, row = rows[0], rows[1]
    assert row[header.index("Titel")] == "'=HYPERLINK(\"http://evil\")"
    assert row[header.index("Beskrivelse")].startswith("'+45")
    assert row[header.index("Ansvarlig")] == "'@SUM(1)"
    assert api("/api/v1/findings").get_json()["data"][0]["title"] == "=HYPERLINK(\"http://evil\")"  # JSON as is


# --- compliance ----------------------------------------------------------------------------------------

def test_compliance_json_matches_the_dashboard_figures(app, api, data):
    from register.requirements import compliance

    body = api("/api/v1/compliance").get_json()["data"]
    with app.app_context(), app.test_request_context():
        overview = compliance.compliance_overview(today=local_today())
    total = body["total"]
    assert total["total"] == overview.total.total and total["implemented"] == overview.total.implemented
    assert total["not_applicable"] == 1 and total["overdue"] == overview.total.overdue > 0
    nis2 = next(c for c in body["catalogs"] if c["catalog"] == "nis2")
    assert nis2["implemented"] + nis2["partly"] + nis2["planned"] + nis2["not_started"] + nis2["not_assessed"] \
        == nis2["applicable"]
    assert nis2["share_implemented"] == round(100 * nis2["implemented"] / nis2["applicable"], 1)
    assert {u["label"] for u in body["units"]} >= {"Enhed 0", "Enhed 1"}
    assert all(o["next_review"] == PAST.isoformat() for o in body["overdue"])
    assert any(a["catalog"] == "nis2" for a in body["areas"])
    assert body["as_of"] is None


def test_compliance_as_of_reads_the_history(app, api, data):
    before = api("/api/v1/compliance?as_of=2001-01-01").get_json()["data"]
    assert before["as_of"] == "2001-01-01" and before["total"]["total"] == 0  # nothing was recorded then
    now = api(f"/api/v1/compliance?as_of={local_today().isoformat()}").get_json()["data"]
    assert now["total"]["implemented"] == api("/api/v1/compliance").get_json()["data"]["total"]["implemented"]


def test_compliance_csv(api, data):
    rows = _csv(api("/api/v1/compliance.csv"))
    header = rows[0]
    assert header[:3] == ["Niveau", "Katalog", "Navn"] and "Implementeret (%)" in header
    assert rows[1][0] == "I alt"
    levels = {r[0] for r in rows[1:]}
    assert levels == {"I alt", "Katalog", "Område", "Enhed"}
    nis2 = next(r for r in rows if r[0] == "Katalog" and r[1] == "nis2")
    assert re.fullmatch(r"\d+,\d", nis2[header.index("Implementeret (%)")])  # a decimal comma for Danish Excel


# --- query counts --------------------------------------------------------------------------------------

def _queries(count_queries, api, path) -> int:
    with count_queries() as counter:
        response = api(path)
    assert response.status_code == 200
    return counter.count


def test_each_list_runs_a_fixed_number_of_queries(app, catalogs, api, count_queries):
    """Every list endpoint, JSON and CSV, runs as many queries for 12 rows as for 2 (one database fill)."""
    with app.app_context():
        populate(2)
    api("/api/v1/")  # the token's first use records when it was used; later requests only read
    small = {path: _queries(count_queries, api, path)
             for name in LIST_RESOURCES for path in (f"/api/v1/{name}", f"/api/v1/{name}.csv")}
    with app.app_context():
        populate(10, offset=2)
    for name in LIST_RESOURCES:
        assert api(f"/api/v1/{name}").get_json()["meta"]["total"] >= 10, name
    large = {path: _queries(count_queries, api, path) for path in small}
    assert large == small
    assert max(small.values()) <= 8


def _assess_cis(n: int, offset: int = 0) -> None:
    """Assessments of n CIS requirements, so that the catalogue filter has rows to leave out."""
    db.session.add_all(RequirementAssessment(requirement_id=r.id, status=ImplementationStatus.PLANNED)
                       for r in _requirements("cis-v8", n, offset))
    db.session.commit()


def _assessment_rows(catalog: str | None = None) -> list[tuple]:
    """(id, catalogue, reference, title) of every assessment in id order, read without the API's query."""
    stmt = (sa.select(RequirementAssessment.id, Catalog.code, Requirement.display_ref, Requirement.title_da)
            .join(Requirement, RequirementAssessment.requirement_id == Requirement.id).join(Catalog)
            .order_by(RequirementAssessment.id))
    if catalog:
        stmt = stmt.where(Catalog.code == catalog)
    return [tuple(row) for row in db.session.execute(stmt)]


def _every_page(api, path: str) -> tuple[list[tuple], int, int]:
    """(rows of every page, followed by the next links; the total the first page gave; pages read)."""
    rows, pages, body = [], 0, api(path).get_json()
    total = body["meta"]["total"]
    while True:
        pages += 1
        rows += [(r["id"], r["catalog"], r["display_ref"], r["title"]) for r in body["data"]]
        if "next" not in body["links"]:
            return rows, total, pages
        body = api(body["links"]["next"]).get_json()


def test_requirement_assessments_read_the_same_rows_in_order_with_a_fixed_number_of_queries(
        app, catalogs, api, count_queries):
    """Each page carries its rows' requirement and catalogue; the queries do not grow with the register."""
    with app.app_context():
        populate(2)
        _assess_cis(2)
    api("/api/v1/")
    # Full pages in both registers (a page that is not full tells its total without a count).
    paths = ["/api/v1/requirement-assessments?per_page=2", "/api/v1/requirement-assessments?per_page=2&page=2",
             "/api/v1/requirement-assessments?catalog=nis2&per_page=2",
             "/api/v1/requirement-assessments.csv?catalog=cis-v8"]
    small = {path: _queries(count_queries, api, path) for path in paths}
    with app.app_context():
        populate(10, offset=2)
        _assess_cis(5, offset=2)  # after the NIS2 ones: the catalogues' rows interleave in id order
    assert {path: _queries(count_queries, api, path) for path in paths} == small

    with app.app_context():
        every, nis2, cis = _assessment_rows(), _assessment_rows("nis2"), _assessment_rows("cis-v8")
    assert len(every) == 19 and len(nis2) == 12 and len(cis) == 7
    assert _every_page(api, "/api/v1/requirement-assessments?per_page=4") == (every, 19, 5)
    assert _every_page(api, "/api/v1/requirement-assessments?catalog=nis2&per_page=5") == (nis2, 12, 3)
    assert _every_page(api, "/api/v1/requirement-assessments?catalog=cis-v8&per_page=7") == (cis, 7, 1)
    assert _every_page(api, "/api/v1/requirement-assessments?catalog=beredskab") == ([], 0, 1)
    item = api(f"/api/v1/requirement-assessments/{cis[3][0]}").get_json()["data"]
    assert (item["id"], item["catalog"], item["display_ref"], item["title"]) == cis[3]
    rows = _csv(api("/api/v1/requirement-assessments.csv?catalog=cis-v8"))
    assert [(int(r[0]), r[2], r[3], r[4]) for r in rows[1:]] == cis


def test_compliance_runs_a_fixed_number_of_queries(app, catalogs, api, count_queries):
    with app.app_context():
        populate(2)
    api("/api/v1/")
    small = _queries(count_queries, api, "/api/v1/compliance")
    with app.app_context():
        populate(10, offset=2)
    assert _queries(count_queries, api, "/api/v1/compliance") == small


# --- contract ------------------------------------------------------------------------------------------

def test_every_operation_answers_as_the_openapi_document_says(app, data, make_token):
    """Schemathesis generates requests for every operation from /api/v1/openapi.json and checks the answers."""
    import schemathesis
    from schemathesis import GenerationMode
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                                   status_code_conformance)

    headers = {"Authorization": f"Bearer {make_token('board')}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # Not negative_data_rejection: an empty filter (`?status=`) deliberately means "no filter", as from a form.
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 3 * 28 + 2  # every resource (list, CSV, item) and the compliance report twice
    for operation in operations:
        # Valid and invalid requests (a wrong type, a value outside the schema) alike must be answered with a
        # documented status and body, never a 500.
        @given(case=operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(GenerationMode.NEGATIVE))
        @settings(max_examples=4, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers=headers, checks=checks)

        check()
