"""Demo data for the gap analysis: two assessments of the fictional municipality and ~15 findings."""
import datetime as dt
from importlib import resources

import sqlalchemy as sa
import yaml

from register.extensions import db
from register.gap import services
from register.gap.models import (Assessment, AssessorKind, ControlScore, CostLevel, Finding, FindingSource,
                                 FindingStatus, ImplementationGroup, Priority, Severity)
from register.organisation.models import Unit


def demo_data() -> dict:
    return yaml.safe_load((resources.files("register.demo") / "data" / "gap.yaml").read_text(encoding="utf-8"))


def _date(value) -> dt.date | None:
    return value if isinstance(value, dt.date) or value is None else dt.date.fromisoformat(str(value))


def load_demo() -> dict:
    """Add the demo assessments and findings (flushes). Skipped if the CIS catalogue is missing or data exists."""
    controls = {req.ref: req for req in services.cis_controls()}
    if not controls or db.session.execute(sa.select(Assessment.id).limit(1)).first():
        return {"assessments": 0, "findings": 0}
    data = demo_data()
    units = {u.name: u.id for u in db.session.execute(sa.select(Unit)).scalars()}
    requirements = services.requirement_lookup()
    by_key: dict[str, Assessment] = {}
    for item in data["assessments"]:
        assessment = services.create_assessment(Assessment(
            name=item["name"], assessed_on=_date(item["assessed_on"]),
            assessor_kind=AssessorKind(item["assessor_kind"]), assessor_name=item.get("assessor_name"),
            method=item["method"], scope=item.get("scope")), by_key.get(item.get("start_from")))
        by_key[item["key"]] = assessment
        copied = {s.requirement_id: s for s in services.scores_of(assessment)}
        for ref, (current, target, group, why) in item["scores"].items():
            score = copied.get(controls[ref].id) or ControlScore(assessment_id=assessment.id,
                                                                 requirement_id=controls[ref].id)
            score.current_level, score.target_level, score.justification = current, target, why
            score.implementation_group = ImplementationGroup(group.lower())
            score.confirmed = True
            db.session.add(score)
    db.session.flush()
    for item in data["findings"]:
        assessment = by_key[item["assessment"]]
        finding = Finding(
            external_id=item["id"], source_kind=FindingSource.GAP_ANALYSIS, assessment_id=assessment.id,
            title=item["title"], description=item.get("description"), severity=Severity(item["severity"]),
            cost=CostLevel(item["cost"]) if item.get("cost") else None, cost_estimate_dkk=item.get("cost_dkk"),
            effort=item.get("effort"), unit_id=units.get(item.get("unit")), owner=item.get("owner"),
            identified_on=assessment.assessed_on, due_on=_date(item.get("due")),
            status=FindingStatus(item["status"]), closed_on=_date(item.get("closed")),
            closure_evidence=item.get("evidence"),
            priority_override=Priority(item["override"]) if item.get("override") else None,
            priority_override_reason=item.get("override_reason"))
        db.session.add(finding)
        refs = [f"cis-v8:{ref}" for ref in item.get("controls", [])] + item.get("requirements", [])
        services.set_requirements(finding, {requirements[ref.lower()].id for ref in refs})
    db.session.flush()
    return {"assessments": len(by_key), "findings": len(data["findings"])}
