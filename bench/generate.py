"""A large, realistic municipality for benchmarks: `python -m bench generate` (on the configured database).

Catalogues go through the ordinary loader (synthetic ones through `upsert_catalog`), so requirements look
exactly like shipped ones. Register data (units, assessments, controls, findings, exercises, incidents) is
inserted in bulk with Core statements for speed; since that bypasses the ORM's history listener, the
generator writes the matching change_log rows itself: an insert and a few backdated updates per record over
ten years, whose last state equals the stored row, hashed in order with `entry_hash` so the chain verifies.
"""
import contextlib
import datetime as dt
import random
from dataclasses import dataclass

import sqlalchemy as sa

from register.catalogs import catalog_data, loader
from register.catalogs.models import Catalog, Requirement
from register.controls.models import Control, ControlRequirement, ControlStatus
from register.core import history
from register.core.db import update_statistics
from register.core.enums import Action
from register.extensions import db
from register.gap.models import (Assessment, AssessorKind, CostLevel, Finding, FindingRequirement, FindingSource,
                                 FindingStatus, Severity)
from register.incidents.models import Incident, IncidentStatus, IncidentUnit, Significance
from register.organisation.models import Unit, UnitKind
from register.preparedness.models import Exercise, ExerciseLevel, ExerciseType, ExerciseUnit
from register.requirements.models import ImplementationStatus, RequirementAssessment
from register.risks.models import Risk, RiskControl, RiskSource, RiskStatus, Treatment
from register.suppliers.models import Criticality, ReviewResult, Supplier, SupplierRisk, SupplierService

ACTOR = "bench-generator"
NIS2_ANNEX_SIZE = 440
UTC = dt.UTC
DEPARTMENTS = ["Borgerservice", "Skoler", "Dagtilbud", "Ældrepleje", "Sundhed", "Vej og Park", "Byggesag",
               "Jobcenter", "Økonomi", "HR", "IT-drift", "Informationssikkerhed", "Digitalisering", "Beredskab",
               "Forsyning", "Kultur og Fritid", "Handicap", "Psykiatri", "Familie", "Miljø"]
WORDS = ["adgangsstyring", "backup", "logning", "sårbarhedsscanning", "leverandørstyring", "kryptering",
         "beredskabsplan", "awareness", "netværkssegmentering", "patchning", "hændelseshåndtering", "MFA",
         "asset-register", "risikovurdering", "kontinuitet", "fysisk sikring", "test af gendannelse"]


@dataclass
class Scale:
    requirements: int = 5000   # in all catalogues together (shipped plus synthetic)
    controls: int = 5000
    findings: int = 2000
    exercises: int = 200
    units: int = 50
    incidents: int = 150
    years: int = 10
    risks: int = 2000
    suppliers: int = 500

    @classmethod
    def small(cls) -> "Scale":
        return cls(requirements=0, controls=50, findings=20, exercises=5, units=10, incidents=5, years=2, risks=20,
                   suppliers=10)


class Clock:
    """Backdated history: replaces the history module's clock while the ORM loads catalogues."""

    def __init__(self, start: dt.datetime):
        self.now = start

    @contextlib.contextmanager
    def installed(self):
        original = history.utcnow
        history.utcnow = lambda: self.now
        try:
            yield
        finally:
            history.utcnow = original


class Log:
    """Change-log entries for bulk-inserted rows, hashed into the chain at the end in time order."""

    def __init__(self):
        self.entries: list[dict] = []

    def add(self, model, row: dict, versions: list[tuple[dt.datetime, dict]]):
        """`versions`: (when, changed values) from oldest to newest; the row holds the newest state."""
        keys = [a.key for a in sa.inspect(model).column_attrs if a.key not in model.__history_ignore__]
        final = {k: history.to_json(row[k]) for k in keys}
        # Walk back from the final state to the first, so every update's old value is exact.
        states = [final]
        for _when, changed in reversed(versions[1:]):
            before = dict(states[0])
            before.update({k: history.to_json(v) for k, v in changed.items()})
            states.insert(0, before)
        for i, (when, _changed) in enumerate(versions):
            state = states[i]
            if i == 0:
                action, changes = Action.INSERT, {k: [None, v] for k, v in state.items() if v is not None}
            else:
                old = states[i - 1]
                action = Action.UPDATE
                changes = {k: [old[k], state[k]] for k in keys if old[k] != state[k]}
                if not changes:
                    continue
            self.entries.append({"at": when, "actor_id": None, "actor": ACTOR, "action": action.value,
                                 "entity": model.__tablename__, "entity_id": row["id"], "changes": changes,
                                 "state": state, **history.owner_fields(model.__tablename__, state)})

    def write(self, conn, batch: int = 5000) -> int:
        self.entries.sort(key=lambda e: e["at"])
        previous = history.last_hash(conn)
        for entry in self.entries:
            entry["prev_hash"] = previous
            entry["hash"] = previous = history.entry_hash(entry)
        table = history.ChangeLog.__table__
        for i in range(0, len(self.entries), batch):
            conn.execute(sa.insert(table), self.entries[i:i + batch])
        return len(self.entries)


def _full(model, values: dict) -> dict:
    """Every column of a row, defaults filled in, so the stored row and its history state agree."""
    row = {}
    for column in model.__table__.columns:
        if column.key in values:
            row[column.key] = values[column.key]
        elif column.primary_key:
            continue
        elif column.default is not None and column.default.is_scalar:
            row[column.key] = column.default.arg
        elif column.default is not None:
            raise ValueError(f"{model.__name__}.{column.key} needs an explicit value")
        else:
            row[column.key] = None
    return row


def _insert(conn, log: Log, model, rows: list[tuple[dict, list]], batch: int = 2000) -> list[int]:
    """Insert full rows, keep their ids, and log their history. rows: (values, [(when, old values)...])."""
    table = model.__table__
    ids: list[int] = []
    for i in range(0, len(rows), batch):
        chunk = rows[i:i + batch]
        full = [_full(model, values) for values, _ in chunk]
        if "version" in table.c:
            for row, (_, versions) in zip(full, chunk, strict=True):
                row["version"] = len(versions)
        result = conn.execute(sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), full)
        new_ids = [r[0] for r in result]
        for row, new_id, (_, versions) in zip(full, new_ids, chunk, strict=True):
            row["id"] = new_id
            log.add(model, row, versions)
        ids.extend(new_ids)
    return ids


def _moment(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    seconds = int((end - start).total_seconds())
    return start + dt.timedelta(seconds=rng.randrange(max(seconds, 1)), microseconds=rng.randrange(1_000_000))


def _timeline(rng: random.Random, start: dt.datetime, end: dt.datetime, steps: list[dict]) -> list:
    """(when, old values) for an insert followed by len(steps) updates at increasing random moments."""
    moments = sorted(_moment(rng, start, end) for _ in range(len(steps) + 1))
    return [(moments[0], {})] + [(moments[i + 1], step) for i, step in enumerate(steps)]


def synthetic_catalogs(count: int, rng: random.Random) -> list[catalog_data.CatalogData]:
    """Catalogues with sections of ten requirements each, adding up to `count` requirements."""
    out, made, number = [], 0, 1
    while made < count:
        # The first is the size of the NIS2 implementing regulation's annex (a benchmark target).
        size = min(NIS2_ANNEX_SIZE if number == 1 else 500, count - made)
        code = f"bench-{number}"
        reqs, position = [], 0
        sections = max(1, size // 11)
        per_section = [(size - sections) // sections] * sections
        per_section[-1] += size - sections - sum(per_section)
        for s in range(sections):
            ref = f"s{s + 1}"
            title = f"Område {s + 1}: {rng.choice(WORDS)}"
            reqs.append(catalog_data.RequirementData(ref, f"{number}.{s + 1}", 0, position, None,
                                               _req_fields(code, ref, f"{number}.{s + 1}", title)))
            position += 1
            for c in range(per_section[s]):
                child = f"{ref}.{c + 1}"
                title = f"Krav om {rng.choice(WORDS)} og {rng.choice(WORDS)} ({number}.{s + 1}.{c + 1})"
                reqs.append(catalog_data.RequirementData(child, f"{number}.{s + 1}.{c + 1}", 1, position, ref,
                                                   _req_fields(code, child, f"{number}.{s + 1}.{c + 1}", title)))
                position += 1
        fields = {"version": "1", "title_da": f"Syntetisk katalog {number} (benchmark)", "title_en": None,
                  "description_da": "Genereret til benchmark.", "description_en": None, "source_url": None,
                  "licence": None, "sort_order": 100 + number}
        out.append(catalog_data.CatalogData(code, fields, reqs))
        made += size
        number += 1
    return out


def _req_fields(code: str, ref: str, display_ref: str, title: str) -> dict:
    text = f"{title}. Kommunen skal kunne dokumentere, at kravet er opfyldt, og hvem der er ansvarlig."
    return {"kind": "requirement", "title_da": title, "title_en": None, "text_da": text, "text_en": None,
            "source_ref": None, "source_url": None, "national_basis": None, "note": None, "attributes": {},
            "search_text": catalog_data.search_text(code, ref, display_ref, title, text)}


def generate(scale: Scale, seed: int = 9, today: dt.date | None = None) -> dict:
    """Add a municipality of this scale to the database (commits). Returns counts of what was made."""
    rng = random.Random(seed)
    today = today or dt.date.today()
    end = dt.datetime.combine(today, dt.time(6), tzinfo=UTC)
    start = end - dt.timedelta(days=365 * scale.years)
    session = db.session
    made: dict[str, int] = {}

    with Clock(start).installed(), history.acting_as(ACTOR):
        if not session.query(Catalog.id).first():
            loader.load_shipped()
        existing = session.query(sa.func.count(Requirement.id)).scalar()
        catalogs = synthetic_catalogs(max(scale.requirements - existing, 0), rng)
        for data in catalogs:
            loader.upsert_catalog(data)
        made["synthetic requirements"] = sum(len(c.requirements) for c in catalogs)
        session.flush()

    conn = session.connection()
    log = Log()
    span = (start, end)

    # Units: the municipality, directorates, and departments below them.
    root = session.query(Unit.id).filter(Unit.parent_id.is_(None)).order_by(Unit.id).first()
    root_id = root[0] if root else _insert(conn, log, Unit, [(
        {"name": "Storby Kommune", "kind": UnitKind.MUNICIPALITY, "is_demo": False},
        [(start, {})])])[0]
    directorates = _insert(conn, log, Unit, [
        ({"name": f"{name} (forvaltning {i + 1})", "kind": UnitKind.DIRECTORATE, "parent_id": root_id,
          "leader_name": f"Direktør {i + 1}", "contact_email": f"direktion{i + 1}@storby.example"},
         _timeline(rng, *span, [{"leader_name": f"Tidligere direktør {i + 1}"}]))
        for i, name in enumerate(["Børn og Unge", "Social og Sundhed", "Teknik og Miljø", "Økonomi og Styring",
                                  "Beskæftigelse"])])
    units = directorates + _insert(conn, log, Unit, [
        ({"name": f"{DEPARTMENTS[i % len(DEPARTMENTS)]} {i // len(DEPARTMENTS) + 1}", "kind": UnitKind.DEPARTMENT,
          "parent_id": directorates[i % len(directorates)], "leader_name": f"Leder {i + 1}",
          "contact_email": f"enhed{i + 1}@storby.example", "contact_phone": f"4000{i:04d}"},
         _timeline(rng, *span, [{"contact_phone": None}] if i % 3 == 0 else []))
        for i in range(max(scale.units - len(directorates) - 1, 0))])
    made["units"] = len(units) + (0 if root else 1)

    # The municipality's assessment of every requirement that has none yet.
    req_ids = [r for (r,) in session.execute(
        sa.select(Requirement.id)
        .outerjoin(RequirementAssessment, RequirementAssessment.requirement_id == Requirement.id)
        .where(RequirementAssessment.id.is_(None)).order_by(Requirement.id))]
    statuses = list(ImplementationStatus)
    rows = []
    for req_id in req_ids:
        applicable = rng.random() > 0.08
        final = rng.choice(statuses) if applicable else None
        steps = [{"status": ImplementationStatus.NOT_STARTED, "maturity": None}]
        if final in (ImplementationStatus.PARTLY, ImplementationStatus.IMPLEMENTED):
            steps.insert(0, {"status": None, "maturity": None})
        rows.append(({"requirement_id": req_id, "applicable": applicable,
                      "applicability_reason": None if applicable else "Kommunen driver ikke denne type system.",
                      "status": final, "maturity": rng.randint(1, 5) if final else None,
                      "responsible_unit_id": rng.choice(units),
                      "responsible_person": f"Medarbejder {rng.randint(1, 300)}",
                      "next_review": today + dt.timedelta(days=rng.randint(-200, 500)),
                      "notes": "Vurderet på møde i sikkerhedsudvalget." if rng.random() < 0.3 else None},
                     _timeline(rng, *span, steps if final else [])))
    made["assessments"] = len(_insert(conn, log, RequirementAssessment, rows))

    # Controls, each linked to one to three requirements.
    control_statuses = list(ControlStatus)
    controls = _insert(conn, log, Control, [
        ({"title": f"Tiltag {i + 1}: {rng.choice(WORDS)}", "description": "Beskrivelse af tiltaget. " * 3,
          "owner_unit_id": rng.choice(units), "status": rng.choice(control_statuses),
          "due_date": today + dt.timedelta(days=rng.randint(-300, 700)), "created_at": _moment(rng, *span)},
         _timeline(rng, *span, [{"status": ControlStatus.PLANNED}]))
        for i in range(scale.controls)])
    all_reqs = [r for (r,) in session.execute(sa.select(Requirement.id))]
    links = []
    for control_id in controls:
        for req_id in rng.sample(all_reqs, rng.randint(1, 3)):
            links.append(({"control_id": control_id, "requirement_id": req_id}, _timeline(rng, *span, [])))
    _insert(conn, log, ControlRequirement, links)
    made["controls"] = len(controls)

    # One gap assessment a year, and findings spread over them.
    assessments = _insert(conn, log, Assessment, [
        ({"name": f"Gap-analyse {start.year + y}", "assessed_on": (start + dt.timedelta(days=365 * y + 30)).date(),
          "assessor_kind": AssessorKind.EXTERNAL if y % 2 else AssessorKind.INTERNAL,
          "assessor_name": "Revisionsfirma A/S" if y % 2 else None, "method": "CIS Controls v8",
          "created_at": start + dt.timedelta(days=365 * y + 30)},
         [(start + dt.timedelta(days=365 * y + 30), {})]) for y in range(scale.years)])
    finding_rows = []
    for i in range(scale.findings):
        opened = _moment(rng, *span)
        status = rng.choice(list(FindingStatus))
        steps = [{"status": FindingStatus.OPEN, "closed_on": None, "closure_evidence": None}] \
            if status != FindingStatus.OPEN else [{"owner": None}]
        closed = status == FindingStatus.CLOSED
        finding_rows.append(({
            "source_kind": FindingSource.GAP_ANALYSIS, "assessment_id": rng.choice(assessments),
            "external_id": f"G-{i + 1:05d}", "title": f"Mangler {rng.choice(WORDS)} ({i + 1})",
            "description": "Fundet ved gennemgang. " * 4, "severity": rng.choice(list(Severity)),
            "cost": rng.choice(list(CostLevel)), "effort": f"{rng.randint(1, 60)} dage",
            "unit_id": rng.choice(units), "owner": f"Ejer {rng.randint(1, 80)}", "identified_on": opened.date(),
            "due_on": opened.date() + dt.timedelta(days=rng.randint(30, 400)), "status": status,
            "closure_evidence": "Verificeret af revisor." if closed else None,
            "closed_on": min(opened.date() + dt.timedelta(days=rng.randint(30, 600)), today) if closed else None,
            "created_at": opened}, _timeline(rng, opened, max(end, opened + dt.timedelta(days=1)), steps)))
    findings = _insert(conn, log, Finding, finding_rows)
    _insert(conn, log, FindingRequirement, [
        ({"finding_id": f, "requirement_id": r}, _timeline(rng, *span, []))
        for f in findings for r in rng.sample(all_reqs, rng.randint(1, 2))])
    made["findings"] = len(findings)

    # Exercises over the years: most held, most of those evaluated.
    exercise_rows = []
    for i in range(scale.exercises):
        planned = _moment(rng, start, end + dt.timedelta(days=365)).date()
        held = planned if planned < today and rng.random() < 0.9 else None
        evaluated = held and rng.random() < 0.8
        exercise_rows.append(({
            "title": f"Øvelse {i + 1}: {rng.choice(WORDS)}", "exercise_type": rng.choice(list(ExerciseType)),
            "level": rng.choice(list(ExerciseLevel)), "responsible_unit_id": rng.choice(units),
            "planned_on": planned, "held_on": held, "scenario": "Scenarie: længerevarende it-nedbrud.",
            "evaluation_purpose": "At afprøve planen." if evaluated else None,
            "observations": "Kommunikationen virkede." if evaluated else None,
            "criteria_assessment": "Kriterierne blev delvist opfyldt." if evaluated else None,
            "went_well": "Hurtig opstart." if evaluated else None,
            "must_improve": "Kontaktlister var forældede." if evaluated else None,
            "evaluated_on": held if evaluated else None, "is_demo": False},
            [(dt.datetime.combine(min(planned, today), dt.time(8), tzinfo=UTC) - dt.timedelta(days=60), {})]))
    exercises = _insert(conn, log, Exercise, exercise_rows)
    _insert(conn, log, ExerciseUnit, [
        ({"exercise_id": e, "unit_id": u}, [(exercise_rows[i][1][0][0], {})])
        for i, e in enumerate(exercises) for u in rng.sample(units, 2)])
    made["exercises"] = len(exercises)

    incident_rows = []
    for i in range(scale.incidents):
        detected = _moment(rng, *span)
        status = IncidentStatus.CLOSED if detected < end - dt.timedelta(days=90) else rng.choice(list(IncidentStatus))
        incident_rows.append(({
            "title": f"Hændelse {i + 1}: {rng.choice(['phishing', 'nedbrud', 'fejlsendt mail', 'ransomware-forsøg'])}",
            "detected_at": detected, "aware_at": detected + dt.timedelta(minutes=rng.randint(5, 600)),
            "systems_affected": "Mailsystem", "description": "Beskrivelse af hændelsen.",
            "significance": rng.choice(list(Significance)), "status": status},
            _timeline(rng, detected, min(detected + dt.timedelta(days=30), end),
                      [{"status": IncidentStatus.REGISTERED}] if status != IncidentStatus.REGISTERED else [])))
    incidents = _insert(conn, log, Incident, incident_rows)
    _insert(conn, log, IncidentUnit, [({"incident_id": n, "unit_id": rng.choice(units)},
                                       [(incident_rows[i][1][0][0], {})]) for i, n in enumerate(incidents)])
    made["incidents"] = len(incidents)

    # Risks from both sources, most treated, each with a control; suppliers with their systems and a risk.
    risk_rows = []
    for i in range(scale.risks):
        likelihood, consequence = rng.randint(1, 5), rng.randint(1, 5)
        treated = rng.random() < 0.7
        risk_rows.append(({
            "title": f"Risiko {i + 1}: {rng.choice(WORDS)} svigter", "description": "Trussel og sårbarhed. " * 3,
            "source": RiskSource.PREPAREDNESS if i % 3 == 0 else RiskSource.CYBER, "owner_unit_id": rng.choice(units),
            "inherent_likelihood": likelihood, "inherent_consequence": consequence,
            "residual_likelihood": max(1, likelihood - rng.randint(0, 2)) if treated else None,
            "residual_consequence": max(1, consequence - rng.randint(0, 1)) if treated else None,
            "treatment": rng.choice(list(Treatment)) if treated else None, "treatment_note": None,
            "status": RiskStatus.CLOSED if rng.random() < 0.1 else RiskStatus.OPEN,
            "last_reviewed_on": today - dt.timedelta(days=rng.randint(30, 400)),
            "next_review_on": today + dt.timedelta(days=rng.randint(-60, 330)), "created_at": _moment(rng, *span)},
            _timeline(rng, *span, [{"residual_likelihood": None, "residual_consequence": None}] if treated else [])))
    risks = _insert(conn, log, Risk, risk_rows)
    _insert(conn, log, RiskControl, [({"risk_id": r, "control_id": rng.choice(controls)}, _timeline(rng, *span, []))
                                     for r in risks if controls])
    made["risks"] = len(risks)
    supplier_rows = []
    for i in range(scale.suppliers):
        reviewed = rng.random() < 0.8
        supplier_rows.append(({
            "name": f"Leverandør {i + 1} A/S", "criticality": rng.choice(list(Criticality)),
            "owner_unit_id": rng.choice(units), "contact_name": f"Kontakt {i + 1}",
            "contract_signed_on": today - dt.timedelta(days=rng.randint(100, 3000)),
            "contract_ends_on": today + dt.timedelta(days=rng.randint(-30, 1500)),
            "processes_personal_data": i % 2 == 0, "dpa_signed_on": today - dt.timedelta(days=900) if i % 4 == 0
            else None, "obliged_incident_notice": i % 3 != 0, "obliged_security_requirements": True,
            "obliged_audit_right": i % 2 == 0, "obliged_subcontractor_approval": False,
            "last_reviewed_on": today - dt.timedelta(days=rng.randint(30, 500)) if reviewed else None,
            "last_review_result": rng.choice(list(ReviewResult)) if reviewed else None,
            "next_review_on": today + dt.timedelta(days=rng.randint(-60, 330)) if reviewed else None,
            "created_at": _moment(rng, *span)}, _timeline(rng, *span, [{"contact_name": None}])))
    suppliers = _insert(conn, log, Supplier, supplier_rows)
    _insert(conn, log, SupplierService, [
        ({"supplier_id": s, "name": f"System {n + 1} ({rng.choice(WORDS)})",
          "criticality": rng.choice(list(Criticality))},
         _timeline(rng, *span, [])) for s in suppliers for n in range(rng.randint(1, 3))])
    _insert(conn, log, SupplierRisk, [({"supplier_id": s, "risk_id": rng.choice(risks)}, _timeline(rng, *span, []))
                                      for s in suppliers if risks])
    made["suppliers"] = len(suppliers)

    made["history entries"] = log.write(conn)
    session.commit()
    update_statistics(session)
    return made
