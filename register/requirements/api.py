"""Requirement assessments and the compliance figures of the dashboard in the read API."""
import datetime as dt

import sqlalchemy as sa

from register.api.resources import (Field, Filter, FilterError, Report, Resource, date_filters, enum_values,
                                    register_report, register_resource, today)
from register.catalogs.models import Catalog, Requirement
from register.extensions import db
from register.organisation.models import Unit
from register.requirements import compliance
from register.requirements.models import ImplementationStatus, RequirementAssessment

NOT_ASSESSED = "not_assessed"


def _status(stmt, value):
    if value == NOT_ASSESSED:
        return stmt.where(RequirementAssessment.status.is_(None))
    return stmt.where(RequirementAssessment.status == ImplementationStatus(value))


def _late(day: dt.date):
    """Relevant, with a review date before `day` (NULL when there is no review date)."""
    return sa.and_(RequirementAssessment.applicable.is_(True), RequirementAssessment.next_review < day)


def _overdue(stmt, value: bool):
    late = _late(today())
    return stmt.where(late if value else sa.not_(sa.func.coalesce(late, False)))


def _in_catalog(stmt, code: str):
    return stmt.where(RequirementAssessment.requirement_id.in_(
        sa.select(Requirement.id).join(Catalog).where(Catalog.code == code)))


def _assessments() -> sa.Select:
    """Exactly the columns the API shows, labelled by field name, as plain rows in one statement.

    Inner joins (every assessment has its requirement, every requirement its catalogue): an outer join to
    requirement-and-catalogue made SQLite materialise every requirement with its catalogue on each request,
    a cost that grew with the catalogues, not with the page. Joined plainly, each row of the page looks up its
    requirement and catalogue by primary key, on SQLite and PostgreSQL alike. Whether the review is overdue is
    worked out by the database against today's date, read once per request.
    """
    a = RequirementAssessment
    return (sa.select(a.id, a.requirement_id, Catalog.code.label("catalog"), Requirement.display_ref,
                      Requirement.title_da.label("title"), a.applicable, a.applicability_reason, a.status,
                      a.status_from_controls, a.maturity, a.responsible_unit_id,
                      Unit.name.label("responsible_unit"), a.responsible_person, a.next_review,
                      sa.case((_late(today()), sa.true()), else_=sa.false()).label("review_overdue"), a.notes)
            .join(Requirement, a.requirement_id == Requirement.id).join(Catalog, Requirement.catalog_id == Catalog.id)
            .outerjoin(Unit, a.responsible_unit_id == Unit.id))


register_resource(Resource(
    name="requirement-assessments", title="Vurderinger af krav", model=RequirementAssessment,
    select=_assessments, plain_rows=True,
    fields=[
        Field("id", "ID", "integer", nullable=False),
        Field("requirement_id", "Krav (ID)", "integer", nullable=False),
        Field("catalog", "Katalog", "string", nullable=False),
        Field("display_ref", "Reference", "string", nullable=False),
        Field("title", "Krav", "string", nullable=False),
        Field("applicable", "Relevant", "boolean", nullable=False),
        Field("applicability_reason", "Begrundelse for relevans", "string"),
        Field("status", "Status", "string", enum=enum_values(ImplementationStatus),
              description="null betyder ikke vurderet"),
        Field("status_from_controls", "Status fra tiltag", "boolean", nullable=False),
        Field("maturity", "Modenhed (0-5)", "integer"),
        Field("responsible_unit_id", "Ansvarlig enhed (ID)", "integer"),
        Field("responsible_unit", "Ansvarlig enhed", "string"),
        Field("responsible_person", "Ansvarlig person", "string"),
        Field("next_review", "Næste gennemgang", "date"),
        Field("review_overdue", "Gennemgang overskredet", "boolean", nullable=False),
        Field("notes", "Noter", "string"),
    ],
    filters=[
        Filter("status", "string", _status, "Status; not_assessed giver vurderinger uden status",
               enum=enum_values(ImplementationStatus) + [NOT_ASSESSED]),
        Filter("catalog", "string", _in_catalog, "Katalogets kode, fx nis2"),
        Filter("unit_id", "integer", lambda s, v: s.where(RequirementAssessment.responsible_unit_id == v),
               "Ansvarlig enhed (ID)"),
        Filter("applicable", "boolean", lambda s, v: s.where(RequirementAssessment.applicable.is_(v)),
               "Kun relevante (true) eller ikke relevante (false)"),
        *date_filters("review", RequirementAssessment.next_review, "Næste gennemgang"),
        Filter("overdue", "boolean", _overdue, "Gennemgangen er overskredet (relevante krav)"),
    ],
))


# --- compliance figures --------------------------------------------------------------------------------

FIGURE_KEYS = ("total", "not_applicable", "applicable", *compliance.STATUS_KEYS, "overdue")
FIGURES = {"type": "object", "additionalProperties": False,
           "required": ["key", "label", *FIGURE_KEYS, "share_implemented", "share_partly"],
           "properties": {"key": {"type": ["integer", "null"], "description": "Katalogets, områdets eller "
                                                                                "enhedens ID"},
                          "label": {"type": "string"},
                          **{k: {"type": "integer"} for k in FIGURE_KEYS},
                          "share_implemented": {"type": "number", "description": "Procent af de relevante krav"},
                          "share_partly": {"type": "number", "description": "Procent af de relevante krav"}}}
CATALOG_FIGURES = {**FIGURES, "required": [*FIGURES["required"], "catalog"],
                   "properties": {**FIGURES["properties"], "catalog": {"type": "string"}}}
COMPLIANCE = {
    "type": "object", "additionalProperties": False,
    "required": ["reference_day", "as_of", "total", "catalogs", "areas", "units", "overdue"],
    "properties": {
        "reference_day": {"type": "string", "format": "date"},
        "as_of": {"type": ["string", "null"], "format": "date"},
        "total": {"$ref": "#/components/schemas/ComplianceFigures"},
        "catalogs": {"type": "array", "items": {"$ref": "#/components/schemas/CatalogComplianceFigures"}},
        "areas": {"type": "array", "items": {"$ref": "#/components/schemas/CatalogComplianceFigures"}},
        "units": {"type": "array", "items": {"$ref": "#/components/schemas/ComplianceFigures"}},
        "overdue": {"type": "array", "items": {"type": "object", "additionalProperties": False,
                                               "required": ["requirement_id", "catalog", "display_ref", "title",
                                                            "next_review", "unit"],
                                               "properties": {
                                                   "requirement_id": {"type": "integer"},
                                                   "catalog": {"type": "string"},
                                                   "display_ref": {"type": "string"},
                                                   "title": {"type": "string"},
                                                   "next_review": {"type": "string", "format": "date"},
                                                   "unit": {"type": ["string", "null"]}}}},
    },
}
# The change history starts with the register; older or far-future days are refused rather than guessed.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2999, 12, 31)


def _overview(values: dict) -> compliance.Overview:
    as_of = values.get("as_of")
    if as_of is not None and not FIRST_DAY <= as_of <= LAST_DAY:
        raise FilterError(f"'as_of' skal ligge mellem {FIRST_DAY.isoformat()} og {LAST_DAY.isoformat()}")
    return compliance.compliance_overview(as_of=as_of, today=today())


def _figures(f: compliance.Figures, **extra) -> dict:
    return {"key": f.key, "label": str(f.label), **{k: getattr(f, k) for k in FIGURE_KEYS},
            "share_implemented": round(f.share("implemented"), 1), "share_partly": round(f.share("partly"), 1),
            **extra}


def _codes() -> dict[int, str]:
    return dict(db.session.execute(sa.select(Catalog.id, Catalog.code)).all())


def compliance_data(values: dict) -> dict:
    """The dashboard's figures as JSON: per catalogue, area and unit, and the overdue reviews."""
    overview = _overview(values)
    codes = _codes()
    return {
        "reference_day": overview.reference_day.isoformat(),
        "as_of": overview.as_of.isoformat() if overview.as_of else None,
        "total": _figures(overview.total),
        "catalogs": [_figures(f, catalog=codes[f.key]) for f in overview.catalogs],
        "areas": [_figures(f, catalog=codes[cid]) for cid, areas in overview.areas.items() for f in areas],
        "units": [_figures(f) for f in overview.units],
        "overdue": [{"requirement_id": o.requirement_id, "catalog": codes[o.catalog_id], "display_ref": o.display_ref,
                     "title": o.title, "next_review": o.next_review.isoformat(), "unit": o.unit}
                    for o in overview.overdue],
    }


CSV_HEADERS = ["Niveau", "Katalog", "Navn", "Enhed (ID)", "Krav i alt", "Ikke relevante", "Relevante",
               "Implementeret", "Delvist", "Planlagt", "Ikke påbegyndt", "Ikke vurderet",
               "Gennemgang overskredet", "Implementeret (%)", "Delvist (%)", "Opgjort pr."]


def compliance_rows(values: dict) -> list[list]:
    """One row per catalogue, area, unit and the total, in the order the dashboard shows them."""
    overview = _overview(values)
    codes = _codes()
    day = overview.reference_day

    def row(level, catalog, f, unit_id=None):
        return [level, catalog, str(f.label), unit_id, *(getattr(f, k) for k in FIGURE_KEYS),
                f.share("implemented"), f.share("partly"), day]

    rows = [row("I alt", None, overview.total)]
    for f in overview.catalogs:
        rows.append(row("Katalog", codes[f.key], f))
        rows.extend(row("Område", codes[f.key], area) for area in overview.areas.get(f.key, []))
    rows.extend(row("Enhed", None, f, f.key) for f in overview.units)
    return rows


register_report(Report(
    name="compliance", title="Compliance-overblik",
    description="Tallene fra overblikket: krav pr. status for hvert katalog, område og ansvarlig enhed, og "
                "krav hvis gennemgang er overskredet. Kun krav der vurderes tæller (blade, medmindre kataloget "
                "siger andet); ikke relevante krav tælles for sig og indgår ikke i andelene.",
    params=[Filter("as_of", "date", None, "Tallene som de stod ved udgangen af denne dag (ud fra historikken); "
                                          f"mellem {FIRST_DAY.isoformat()} og {LAST_DAY.isoformat()}")],
    schema=COMPLIANCE, components={"ComplianceFigures": FIGURES, "CatalogComplianceFigures": CATALOG_FIGURES},
    build=compliance_data, headers=CSV_HEADERS, rows=compliance_rows,
))
