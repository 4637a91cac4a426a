"""Risks and suppliers in the read API: every list, item and CSV, filters, and a fixed number of queries."""
import datetime as dt

from register.controls.models import Control
from register.extensions import db
from register.gap.models import Finding, Severity
from register.organisation.models import Unit, UnitKind
from register.risks.models import (AcceptanceBody, Risk, RiskAcceptance, RiskControl, RiskFinding, RiskRequirement,
                                   RiskReview, RiskSource, Treatment)
from register.suppliers.models import (Criticality, ReviewResult, Supplier, SupplierControl, SupplierReview,
                                       SupplierRisk, SupplierService)

from test_api import _csv, _queries, _requirements

RESOURCES = ["risks", "risk-controls", "risk-findings", "risk-requirements", "risk-reviews", "risk-acceptances",
             "suppliers", "supplier-services", "supplier-reviews", "supplier-controls", "supplier-risks"]


def populate(n: int, offset: int = 0) -> None:
    """n records of each kind, each linked; a second call passes the number made before as `offset`."""
    unit = Unit(name=f"Enhed {offset}", kind=UnitKind.DEPARTMENT)
    db.session.add(unit)
    db.session.flush()
    requirements = _requirements("nis2", n, offset)
    for i in range(n):
        control = Control(title=f"Tiltag {offset + i}")
        finding = Finding(title=f"Fund {offset + i}", severity=Severity.HIGH, identified_on=dt.date(2025, 1, 1))
        risk = Risk(title=f"Risiko {offset + i}", owner_unit_id=unit.id, inherent_likelihood=1 + i % 5,
                    inherent_consequence=5, source=RiskSource.PREPAREDNESS if i % 2 else RiskSource.CYBER,
                    residual_likelihood=1 if i % 3 == 0 else None, residual_consequence=1 if i % 3 == 0 else None,
                    treatment=Treatment.ACCEPT if i % 3 == 0 else Treatment.REDUCE,
                    next_review_on=dt.date(2020, 1, 1) if i % 2 else dt.date(2999, 1, 1))
        supplier = Supplier(name=f"Leverandør {offset + i}", owner_unit_id=unit.id,
                            criticality=Criticality.CRITICAL if i % 2 else Criticality.LOW,
                            next_review_on=dt.date(2020, 1, 1) if i % 2 else dt.date(2999, 1, 1))
        db.session.add_all([control, finding, risk, supplier])
        db.session.flush()
        db.session.add_all([
            RiskControl(risk_id=risk.id, control_id=control.id), RiskFinding(risk_id=risk.id, finding_id=finding.id),
            RiskRequirement(risk_id=risk.id, requirement_id=requirements[i].id),
            RiskReview(risk_id=risk.id, reviewed_on=dt.date(2025, 3, 1), reviewed_by="Udvalget"),
            RiskAcceptance(risk_id=risk.id, body=AcceptanceBody.EXECUTIVE, body_name="Direktionen",
                           decided_on=dt.date(2025, 4, 1), likelihood=1, consequence=1),
            SupplierService(supplier_id=supplier.id, name=f"System {i}"),
            SupplierReview(supplier_id=supplier.id, reviewed_on=dt.date(2025, 2, 1), reviewed_by="IT",
                           result=ReviewResult.SATISFACTORY),
            SupplierControl(supplier_id=supplier.id, control_id=control.id),
            SupplierRisk(supplier_id=supplier.id, risk_id=risk.id)])
    db.session.commit()


def test_every_list_item_and_csv(app, catalogs, api):
    with app.app_context():
        populate(4)
    for name in RESOURCES:
        body = api(f"/api/v1/{name}").get_json()
        assert body["meta"]["total"] == len(body["data"]) == 4, name
        first = body["data"][0]
        assert api(f"/api/v1/{name}/{first['id']}").get_json()["data"] == first, name
        assert api(f"/api/v1/{name}/999999").status_code == 404, name
        rows = _csv(api(f"/api/v1/{name}.csv"))
        assert len(rows) == 5 and rows[0][0] == "ID", name
    assert set(RESOURCES) <= set(api("/api/v1/").get_json()["resources"])


def test_filters(app, catalogs, api):
    with app.app_context():
        populate(6)
    risks = api("/api/v1/risks").get_json()["data"]
    assert risks[0]["current_level"] == "low" and risks[0]["inherent_level"] == "medium"  # 1x1 after treatment
    assert {r["title"] for r in api("/api/v1/risks?source=preparedness").get_json()["data"]} == {
        "Risiko 1", "Risiko 3", "Risiko 5"}
    assert {r["title"] for r in api("/api/v1/risks?level=critical").get_json()["data"]} == {"Risiko 4"}
    assert api("/api/v1/risks?next_review_before=2021-01-01").get_json()["meta"]["total"] == 3
    assert api("/api/v1/risks?level=nonsense").status_code == 400
    assert api("/api/v1/suppliers?criticality=critical&review_overdue=true").get_json()["meta"]["total"] == 3
    assert api("/api/v1/suppliers?review_overdue=false").get_json()["meta"]["total"] == 3
    header = _csv(api("/api/v1/suppliers.csv"))[0]
    assert "Kritikalitet" in header and "Databehandleraftale indgået" in header


def test_each_list_runs_a_fixed_number_of_queries(app, catalogs, api, count_queries):
    with app.app_context():
        populate(2)
    api("/api/v1/")
    small = {path: _queries(count_queries, api, path)
             for name in RESOURCES for path in (f"/api/v1/{name}", f"/api/v1/{name}.csv")}
    with app.app_context():
        populate(10, offset=2)
    assert {path: _queries(count_queries, api, path) for path in small} == small
