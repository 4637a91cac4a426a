"""Demo data for the requirements workspace: the fictional municipality's assessments and its controls."""
import datetime as dt
from importlib import resources

import sqlalchemy as sa
import yaml

from register.catalogs.models import Catalog, Requirement
from register.controls import services as control_services
from register.controls.models import Control, ControlStatus
from register.extensions import db
from register.organisation.models import Unit
from register.requirements import services
from register.requirements.models import ImplementationStatus, RequirementAssessment


def _data() -> dict:
    text = (resources.files("register.demo") / "data" / "requirements.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def load_demo() -> dict:
    """Assessments and controls (flushes). Skipped without catalogues or when assessments exist already."""
    if db.session.execute(sa.select(RequirementAssessment.id).limit(1)).first():
        return {"assessments": 0, "controls": 0}
    rows = db.session.execute(sa.select(Requirement, Catalog.code).join(Catalog)).all()
    by_ref = {f"{code}:{req.ref}": req for req, code in rows}
    if not by_ref:
        return {"assessments": 0, "controls": 0}
    units = {u.name: u.id for u in db.session.execute(sa.select(Unit)).scalars()}
    data = _data()
    count = 0
    effective_on = dt.date.fromisoformat(data["effective_on"])
    for ref, item in data["assessments"].items():
        services.save_assessment(by_ref[ref], None, {
            "status": ImplementationStatus(item["status"]), "maturity": item.get("maturity"),
            "responsible_unit_id": units.get(item.get("unit")), "responsible_person": item.get("person"),
            "next_review": dt.date.fromisoformat(item["review"]) if item.get("review") else None,
            "notes": item.get("notes"), "status_from_controls": bool(item.get("from_controls")),
            "status_effective_on": effective_on})
        count += 1
    for ref, reason in data["not_applicable"].items():
        services.save_assessment(by_ref[ref], None, {"applicable": False, "applicability_reason": reason,
                                                     "status_effective_on": effective_on})
        count += 1
    for item in data["controls"]:
        control = control_services.save_control(Control(), {
            "title": item["title"], "status": ControlStatus(item["status"]), "owner_unit_id": units.get(item["unit"]),
            "due_date": dt.date.fromisoformat(item["due"]) if item.get("due") else None})
        for ref in item["requirements"]:
            control_services.link(control, by_ref[ref])
    return {"assessments": count, "controls": len(data["controls"])}
