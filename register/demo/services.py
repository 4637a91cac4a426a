"""Demo data: a fictional municipality, its units and a user for each role."""
from importlib import resources

import sqlalchemy as sa
import yaml

from register.accounts.models import User
from register.accounts.services import create_user
from register.extensions import db
from register.gap.demo import load_demo as load_gap_demo
from register.incidents.demo import load_demo as load_incidents
from register.organisation.models import Unit, UnitKind
from register.preparedness.demo import load_preparedness_demo
from register.requirements.demo import load_demo as load_requirements_demo
from register.suppliers.demo import load_demo as load_risks_and_suppliers
from register.training.demo import load_demo as load_training


class DemoRefused(RuntimeError):
    """The database holds real data; demo data must not be mixed into it."""


def demo_data() -> dict:
    return yaml.safe_load((resources.files("register.demo") / "data" / "demo.yaml").read_text(encoding="utf-8"))


def database_state() -> str:
    """'empty', 'demo' (only demo data) or 'real' (anything a person created)."""
    real = db.session.execute(sa.select(
        sa.select(User.id).where(User.is_demo.is_(False)).exists()
        | sa.select(Unit.id).where(Unit.is_demo.is_(False)).exists())).scalar()
    if real:
        return "real"
    demo = db.session.execute(sa.select(sa.select(User.id).where(User.is_demo.is_(True)).exists())).scalar()
    return "demo" if demo else "empty"


def load_demo() -> dict:
    """Create the demo municipality in an empty database (flushes; the caller commits)."""
    state = database_state()
    if state == "real":
        raise DemoRefused("The database holds non-demo data; demo data is only loaded into an empty database.")
    if state == "demo":
        return {"created": False}
    data = demo_data()
    root = Unit(name=data["municipality"], kind=UnitKind.MUNICIPALITY, is_demo=True)
    db.session.add(root)
    by_name = {}

    def add(nodes, parent):
        for node in nodes:
            unit = Unit(name=node["name"], kind=UnitKind(node["kind"]), parent=parent, is_demo=True,
                        leader_name=node.get("leader"), contact_email=node.get("email"),
                        contact_phone=node.get("phone"))
            db.session.add(unit)
            by_name[unit.name] = unit
            add(node.get("children", []), unit)

    add(data["units"], root)
    db.session.flush()
    for user in data["users"]:
        create_user(user["email"], user["role"], data["password"], name=user["name"],
                    unit_id=by_name[user["unit"]].id, is_demo=True)
    load_preparedness_demo(data["plan_revision"])  # creates nothing if plans exist already
    unit_ids = {name: unit.id for name, unit in by_name.items()}
    load_incidents(unit_ids)  # each part's loader skips itself if its data already exists
    load_training(unit_ids)
    load_risks_and_suppliers(unit_ids)
    load_requirements_demo()
    gap = load_gap_demo()
    return {"created": True, "units": len(by_name) + 1, "users": len(data["users"]), "gap": gap}


def demo_logins() -> list[tuple[str, str, str]]:
    """(e-mail, role label, password) for each demo account still present."""
    data = demo_data()
    present = set(db.session.execute(sa.select(User.email).where(User.is_demo.is_(True))).scalars())
    return [(u["email"], u["role"], data["password"]) for u in data["users"] if u["email"] in present]
