"""Gap assessments, control scores and findings (the action plan) in the read API."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from register.api.resources import (Field, Filter, Resource, date_filters, enum_filter, enum_values,
                                    register_resource, today)
from register.catalogs.models import Catalog, Requirement
from register.gap.models import (Assessment, AssessorKind, ControlScore, CostLevel, Finding, FindingRequirement,
                                 FindingSource, FindingStatus, ImplementationGroup, Priority, Severity)
from register.gap.priority import priority_sql

register_resource(Resource(
    name="gap-assessments", title="Gap-analyser", model=Assessment, select=lambda: sa.select(Assessment),
    fields=[
        Field("id", "ID", "integer", lambda a: a.id, nullable=False),
        Field("name", "Navn", "string", lambda a: a.name, nullable=False),
        Field("assessed_on", "Vurderet", "date", lambda a: a.assessed_on, nullable=False),
        Field("assessor_kind", "Vurderet af (type)", "string", lambda a: a.assessor_kind, nullable=False,
              enum=enum_values(AssessorKind)),
        Field("assessor_name", "Vurderet af", "string", lambda a: a.assessor_name),
        Field("method", "Metode", "string", lambda a: a.method, nullable=False),
        Field("scope", "Omfang", "string", lambda a: a.scope),
        Field("previous_id", "Forrige analyse (ID)", "integer", lambda a: a.previous_id),
        Field("created_at", "Oprettet", "date-time", lambda a: a.created_at, nullable=False),
    ],
    filters=[
        enum_filter("assessor_kind", Assessment.assessor_kind, AssessorKind, "Intern eller ekstern vurdering"),
        *date_filters("assessed", Assessment.assessed_on, "Vurderet"),
    ],
))

register_resource(Resource(
    name="gap-control-scores", title="Modenhed pr. CIS-kontrol", model=ControlScore,
    select=lambda: sa.select(ControlScore),  # the requirement (and its catalogue) is joined by the mapping
    fields=[
        Field("id", "ID", "integer", lambda s: s.id, nullable=False),
        Field("assessment_id", "Gap-analyse (ID)", "integer", lambda s: s.assessment_id, nullable=False),
        Field("requirement_id", "Krav (ID)", "integer", lambda s: s.requirement_id, nullable=False),
        Field("catalog", "Katalog", "string", lambda s: s.requirement.catalog.code, nullable=False),
        Field("display_ref", "Reference", "string", lambda s: s.requirement.display_ref, nullable=False),
        Field("requirement", "Kontrol", "string", lambda s: s.requirement.title_da, nullable=False),
        Field("current_level", "Nuværende modenhed", "integer", lambda s: s.current_level),
        Field("target_level", "Mål for modenhed", "integer", lambda s: s.target_level),
        Field("gap", "Gab", "integer", lambda s: (s.target_level - s.current_level)
              if s.target_level is not None and s.current_level is not None else None,
              description="Mål minus nuværende modenhed"),
        Field("implementation_group", "Implementeringsgruppe", "string", lambda s: s.implementation_group,
              enum=enum_values(ImplementationGroup)),
        Field("justification", "Begrundelse", "string", lambda s: s.justification),
        Field("confirmed", "Bekræftet", "boolean", lambda s: s.confirmed, nullable=False),
    ],
    filters=[
        Filter("assessment_id", "integer", lambda s, v: s.where(ControlScore.assessment_id == v),
               "Gap-analyse (ID)"),
        enum_filter("implementation_group", ControlScore.implementation_group, ImplementationGroup,
                    "CIS-implementeringsgruppe"),
        Filter("confirmed", "boolean", lambda s, v: s.where(ControlScore.confirmed.is_(v)),
               "false: kopieret fra sidste analyse og endnu ikke bekræftet"),
    ],
))


def _finding_overdue(stmt, value: bool):
    late = sa.and_(Finding.status != FindingStatus.CLOSED, Finding.due_on < today())
    return stmt.where(late if value else sa.not_(sa.func.coalesce(late, False)))


def _finding_catalog(stmt, code: str):
    return stmt.where(sa.exists().where(
        FindingRequirement.finding_id == Finding.id, FindingRequirement.requirement_id == Requirement.id,
        Requirement.catalog_id == Catalog.id, Catalog.code == code))


register_resource(Resource(
    name="findings", title="Fund og handlingsplan", model=Finding,
    select=lambda: sa.select(Finding).options(joinedload(Finding.unit), selectinload(Finding.requirement_links)),
    fields=[
        Field("id", "ID", "integer", lambda f: f.id, nullable=False),
        Field("title", "Titel", "string", lambda f: f.title, nullable=False),
        Field("description", "Beskrivelse", "string", lambda f: f.description),
        Field("source_kind", "Kilde", "string", lambda f: f.source_kind, nullable=False,
              enum=enum_values(FindingSource)),
        Field("assessment_id", "Gap-analyse (ID)", "integer", lambda f: f.assessment_id),
        Field("source_id", "Kilde (ID)", "integer", lambda f: f.source_id),
        Field("source_label", "Kildebeskrivelse", "string", lambda f: f.source_label),
        Field("external_id", "Eksternt ID", "string", lambda f: f.external_id),
        Field("severity", "Kritikalitet", "string", lambda f: f.severity, nullable=False,
              enum=enum_values(Severity)),
        Field("cost", "Omkostning", "string", lambda f: f.cost, enum=enum_values(CostLevel)),
        Field("cost_estimate_dkk", "Omkostningsoverslag (kr.)", "integer", lambda f: f.cost_estimate_dkk),
        Field("effort", "Indsats", "string", lambda f: f.effort),
        Field("priority", "Prioritet", "string", lambda f: f.priority, nullable=False, enum=enum_values(Priority),
              description="Beregnet af kritikalitet og omkostning, medmindre den er overstyret"),
        Field("priority_overridden", "Prioritet overstyret", "boolean",
              lambda f: f.priority_override is not None, nullable=False),
        Field("unit_id", "Ansvarlig enhed (ID)", "integer", lambda f: f.unit_id),
        Field("unit", "Ansvarlig enhed", "string", lambda f: f.unit.name if f.unit else None),
        Field("owner", "Ansvarlig", "string", lambda f: f.owner),
        Field("identified_on", "Konstateret", "date", lambda f: f.identified_on, nullable=False),
        Field("due_on", "Frist", "date", lambda f: f.due_on),
        Field("status", "Status", "string", lambda f: f.status, nullable=False, enum=enum_values(FindingStatus)),
        Field("overdue", "Frist overskredet", "boolean", lambda f: f.is_overdue(today()), nullable=False),
        Field("closed_on", "Lukket", "date", lambda f: f.closed_on),
        Field("requirement_ids", "Krav (ID'er)", "array", lambda f: sorted(link.requirement_id
                                                                            for link in f.requirement_links),
              nullable=False),
        Field("requirement_refs", "Krav", "string", lambda f: ", ".join(sorted(
            f"{link.requirement.catalog.code}:{link.requirement.ref}" for link in f.requirement_links)),
              nullable=False, description="Kravnøgler, fx cis-v8:7, nis2:21.2.d"),
        Field("created_at", "Oprettet", "date-time", lambda f: f.created_at, nullable=False),
    ],
    filters=[
        enum_filter("status", Finding.status, FindingStatus, "Status"),
        enum_filter("severity", Finding.severity, Severity, "Kritikalitet"),
        Filter("priority", "string", lambda s, v: s.where(priority_sql() == v),
               "Prioritet (1 er højest), beregnet eller overstyret", enum=enum_values(Priority)),
        enum_filter("source_kind", Finding.source_kind, FindingSource, "Kilde"),
        Filter("assessment_id", "integer", lambda s, v: s.where(Finding.assessment_id == v), "Gap-analyse (ID)"),
        Filter("unit_id", "integer", lambda s, v: s.where(Finding.unit_id == v), "Ansvarlig enhed (ID)"),
        *date_filters("due", Finding.due_on, "Frist"),
        Filter("overdue", "boolean", _finding_overdue, "Fristen er overskredet, og fundet er ikke lukket"),
        Filter("requirement_id", "integer", lambda s, v: s.where(sa.exists().where(
            FindingRequirement.finding_id == Finding.id, FindingRequirement.requirement_id == v)),
            "Fund der vedrører dette krav (ID)"),
        Filter("catalog", "string", _finding_catalog, "Fund der vedrører krav i dette katalog"),
    ],
))
