"""Risks, their links, reviews and acceptances in the read API."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from register.api.resources import Field, Filter, Resource, date_filters, enum_filter, enum_values, register_resource
from register.risks import services
from register.risks.models import (AcceptanceBody, Risk, RiskAcceptance, RiskControl, RiskFinding, RiskRequirement,
                                   RiskReview, RiskSource, RiskStatus, Treatment)


def _level(likelihood, consequence):
    level = services.scale().level(likelihood, consequence)
    return level.value if level else None


def _level_filter(stmt, value: str):
    low, high = services.scale().score_range(services.Level(value))
    return stmt.where((services.CURRENT_LIKELIHOOD * services.CURRENT_CONSEQUENCE).between(low, high))


register_resource(Resource(
    name="risks", title="Risici", model=Risk,
    select=lambda: sa.select(Risk).options(joinedload(Risk.owner_unit)),
    fields=[
        Field("id", "ID", "integer", lambda r: r.id, nullable=False),
        Field("title", "Titel", "string", lambda r: r.title, nullable=False),
        Field("description", "Beskrivelse", "string", lambda r: r.description),
        Field("source", "Kilde", "string", lambda r: r.source, nullable=False, enum=enum_values(RiskSource),
              description="cyber (NIS2 art. 21, stk. 2, litra a) eller preparedness (beredskabets RSV)"),
        Field("status", "Status", "string", lambda r: r.status, nullable=False, enum=enum_values(RiskStatus)),
        Field("owner_unit_id", "Ansvarlig enhed (ID)", "integer", lambda r: r.owner_unit_id, nullable=False),
        Field("owner_unit", "Ansvarlig enhed", "string", lambda r: r.owner_unit.name, nullable=False),
        Field("inherent_likelihood", "Sandsynlighed (iboende)", "integer", lambda r: r.inherent_likelihood,
              nullable=False, description="På kommunens skala, 1 er lavest"),
        Field("inherent_consequence", "Konsekvens (iboende)", "integer", lambda r: r.inherent_consequence,
              nullable=False),
        Field("inherent_level", "Iboende niveau", "string",
              lambda r: _level(r.inherent_likelihood, r.inherent_consequence), nullable=False,
              enum=enum_values(services.Level)),
        Field("residual_likelihood", "Sandsynlighed (restrisiko)", "integer", lambda r: r.residual_likelihood),
        Field("residual_consequence", "Konsekvens (restrisiko)", "integer", lambda r: r.residual_consequence),
        Field("current_level", "Restrisikoens niveau", "string", lambda r: _level(*services.current(r)),
              nullable=False, enum=enum_values(services.Level),
              description="Restrisikoen, eller den iboende risiko så længe restrisikoen ikke er vurderet"),
        Field("treatment", "Behandling", "string", lambda r: r.treatment, enum=enum_values(Treatment)),
        Field("treatment_note", "Begrundelse for behandlingen", "string", lambda r: r.treatment_note),
        Field("last_reviewed_on", "Senest gennemgået", "date", lambda r: r.last_reviewed_on),
        Field("next_review_on", "Næste gennemgang", "date", lambda r: r.next_review_on),
        Field("created_at", "Oprettet", "date-time", lambda r: r.created_at, nullable=False),
    ],
    filters=[
        enum_filter("source", Risk.source, RiskSource, "Kilde"),
        enum_filter("status", Risk.status, RiskStatus, "Status"),
        enum_filter("treatment", Risk.treatment, Treatment, "Behandling"),
        Filter("level", "string", _level_filter, "Restrisikoens niveau", enum=enum_values(services.Level)),
        Filter("unit_id", "integer", lambda s, v: s.where(Risk.owner_unit_id == v), "Ansvarlig enhed (ID)"),
        *date_filters("next_review", Risk.next_review_on, "Næste gennemgang"),
    ],
))

for name, title, model, column, header in (
        ("risk-controls", "Risici koblet til tiltag", RiskControl, "control_id", "Tiltag (ID)"),
        ("risk-findings", "Risici koblet til fund", RiskFinding, "finding_id", "Fund (ID)"),
        ("risk-requirements", "Risici koblet til krav", RiskRequirement, "requirement_id", "Krav (ID)")):
    register_resource(Resource(
        name=name, title=title, model=model, select=lambda model=model: sa.select(model),
        fields=[Field("id", "ID", "integer", lambda link: link.id, nullable=False),
                Field("risk_id", "Risiko (ID)", "integer", lambda link: link.risk_id, nullable=False),
                Field(column, header, "integer", lambda link, column=column: getattr(link, column), nullable=False),
                Field("note", "Note", "string", lambda link: link.note)],
        filters=[Filter("risk_id", "integer", lambda s, v, model=model: s.where(model.risk_id == v), "Risiko (ID)"),
                 Filter(column, "integer", lambda s, v, model=model, column=column: s.where(
                     getattr(model, column) == v), header)],
    ))

register_resource(Resource(
    name="risk-reviews", title="Gennemgange af risici", model=RiskReview, select=lambda: sa.select(RiskReview),
    fields=[
        Field("id", "ID", "integer", lambda r: r.id, nullable=False),
        Field("risk_id", "Risiko (ID)", "integer", lambda r: r.risk_id, nullable=False),
        Field("reviewed_on", "Gennemgået", "date", lambda r: r.reviewed_on, nullable=False),
        Field("reviewed_by", "Gennemgået af", "string", lambda r: r.reviewed_by, nullable=False),
        Field("residual_likelihood", "Sandsynlighed ved gennemgangen", "integer", lambda r: r.residual_likelihood),
        Field("residual_consequence", "Konsekvens ved gennemgangen", "integer", lambda r: r.residual_consequence),
        Field("note", "Konklusion", "string", lambda r: r.note),
        Field("next_review_on", "Næste gennemgang", "date", lambda r: r.next_review_on),
    ],
    filters=[Filter("risk_id", "integer", lambda s, v: s.where(RiskReview.risk_id == v), "Risiko (ID)"),
             *date_filters("reviewed", RiskReview.reviewed_on, "Gennemgået")],
))

register_resource(Resource(
    name="risk-acceptances", title="Accept af risici", model=RiskAcceptance,
    select=lambda: sa.select(RiskAcceptance),
    fields=[
        Field("id", "ID", "integer", lambda a: a.id, nullable=False),
        Field("risk_id", "Risiko (ID)", "integer", lambda a: a.risk_id, nullable=False),
        Field("body", "Organ", "string", lambda a: a.body, nullable=False, enum=enum_values(AcceptanceBody)),
        Field("body_name", "Organets navn", "string", lambda a: a.body_name, nullable=False),
        Field("decided_on", "Besluttet", "date", lambda a: a.decided_on, nullable=False),
        Field("reference", "Sag", "string", lambda a: a.reference),
        Field("likelihood", "Accepteret sandsynlighed", "integer", lambda a: a.likelihood, nullable=False),
        Field("consequence", "Accepteret konsekvens", "integer", lambda a: a.consequence, nullable=False),
        Field("valid_until", "Gælder til", "date", lambda a: a.valid_until),
        Field("note", "Begrundelse", "string", lambda a: a.note),
    ],
    filters=[Filter("risk_id", "integer", lambda s, v: s.where(RiskAcceptance.risk_id == v), "Risiko (ID)"),
             enum_filter("body", RiskAcceptance.body, AcceptanceBody, "Organ"),
             *date_filters("decided", RiskAcceptance.decided_on, "Besluttet")],
))
