"""Suppliers, their systems and services, reviews and links in the read API."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from register.api.resources import (Field, Filter, Resource, date_filters, enum_filter, enum_values,
                                    register_resource, today)
from register.suppliers.models import (Criticality, ReviewResult, Supplier, SupplierControl, SupplierReview,
                                       SupplierRisk, SupplierService)


def _review_overdue(stmt, value: bool):
    late = sa.or_(Supplier.next_review_on.is_(None), Supplier.next_review_on < today())
    return stmt.where(late if value else sa.not_(late))


register_resource(Resource(
    name="suppliers", title="Leverandører", model=Supplier,
    select=lambda: sa.select(Supplier).options(joinedload(Supplier.owner_unit)),
    fields=[
        Field("id", "ID", "integer", lambda s: s.id, nullable=False),
        Field("name", "Navn", "string", lambda s: s.name, nullable=False),
        Field("cvr", "CVR-nummer", "string", lambda s: s.cvr),
        Field("description", "Beskrivelse", "string", lambda s: s.description),
        Field("contact_name", "Kontaktperson", "string", lambda s: s.contact_name),
        Field("contact_email", "Kontakt-e-mail", "string", lambda s: s.contact_email),
        Field("owner_unit_id", "Ansvarlig enhed (ID)", "integer", lambda s: s.owner_unit_id),
        Field("owner_unit", "Ansvarlig enhed", "string", lambda s: s.owner_unit.name if s.owner_unit else None),
        Field("criticality", "Kritikalitet", "string", lambda s: s.criticality, nullable=False,
              enum=enum_values(Criticality)),
        Field("contract_signed_on", "Kontrakt indgået", "date", lambda s: s.contract_signed_on),
        Field("contract_ends_on", "Kontrakten udløber", "date", lambda s: s.contract_ends_on),
        Field("processes_personal_data", "Behandler personoplysninger", "boolean",
              lambda s: s.processes_personal_data, nullable=False),
        Field("dpa_signed_on", "Databehandleraftale indgået", "date", lambda s: s.dpa_signed_on),
        Field("obliged_incident_notice", "Hændelsesunderretning", "boolean", lambda s: s.obliged_incident_notice,
              nullable=False, description="Leverandøren skal underrette kommunen om sikkerhedshændelser"),
        Field("obliged_security_requirements", "Sikkerhedskrav", "boolean",
              lambda s: s.obliged_security_requirements, nullable=False),
        Field("obliged_audit_right", "Revisionsret", "boolean", lambda s: s.obliged_audit_right, nullable=False),
        Field("obliged_subcontractor_approval", "Godkendelse af underleverandører", "boolean",
              lambda s: s.obliged_subcontractor_approval, nullable=False),
        Field("obligations_note", "Øvrige forpligtelser", "string", lambda s: s.obligations_note),
        Field("last_reviewed_on", "Senest gennemgået", "date", lambda s: s.last_reviewed_on),
        Field("last_review_result", "Resultat", "string", lambda s: s.last_review_result,
              enum=enum_values(ReviewResult)),
        Field("next_review_on", "Næste gennemgang", "date", lambda s: s.next_review_on),
        Field("created_at", "Oprettet", "date-time", lambda s: s.created_at, nullable=False),
    ],
    filters=[
        enum_filter("criticality", Supplier.criticality, Criticality, "Kritikalitet"),
        Filter("unit_id", "integer", lambda s, v: s.where(Supplier.owner_unit_id == v), "Ansvarlig enhed (ID)"),
        *date_filters("contract_ends", Supplier.contract_ends_on, "Kontraktens udløb"),
        *date_filters("next_review", Supplier.next_review_on, "Næste gennemgang"),
        Filter("review_overdue", "boolean", _review_overdue, "Gennemgangen mangler eller er overskredet"),
    ],
))

register_resource(Resource(
    name="supplier-services", title="Leverandørers systemer og ydelser", model=SupplierService,
    select=lambda: sa.select(SupplierService),
    fields=[
        Field("id", "ID", "integer", lambda s: s.id, nullable=False),
        Field("supplier_id", "Leverandør (ID)", "integer", lambda s: s.supplier_id, nullable=False),
        Field("name", "System eller ydelse", "string", lambda s: s.name, nullable=False),
        Field("description", "Beskrivelse", "string", lambda s: s.description),
        Field("criticality", "Kritikalitet", "string", lambda s: s.criticality, nullable=False,
              enum=enum_values(Criticality)),
    ],
    filters=[Filter("supplier_id", "integer", lambda s, v: s.where(SupplierService.supplier_id == v),
                    "Leverandør (ID)")],
))

register_resource(Resource(
    name="supplier-reviews", title="Gennemgange af leverandører", model=SupplierReview,
    select=lambda: sa.select(SupplierReview),
    fields=[
        Field("id", "ID", "integer", lambda r: r.id, nullable=False),
        Field("supplier_id", "Leverandør (ID)", "integer", lambda r: r.supplier_id, nullable=False),
        Field("reviewed_on", "Gennemgået", "date", lambda r: r.reviewed_on, nullable=False),
        Field("reviewed_by", "Gennemgået af", "string", lambda r: r.reviewed_by, nullable=False),
        Field("result", "Resultat", "string", lambda r: r.result, nullable=False, enum=enum_values(ReviewResult)),
        Field("note", "Konklusion", "string", lambda r: r.note),
        Field("next_review_on", "Næste gennemgang", "date", lambda r: r.next_review_on),
    ],
    filters=[Filter("supplier_id", "integer", lambda s, v: s.where(SupplierReview.supplier_id == v),
                    "Leverandør (ID)"),
             enum_filter("result", SupplierReview.result, ReviewResult, "Resultat"),
             *date_filters("reviewed", SupplierReview.reviewed_on, "Gennemgået")],
))

for name, title, model, column, header in (
        ("supplier-controls", "Leverandører koblet til tiltag", SupplierControl, "control_id", "Tiltag (ID)"),
        ("supplier-risks", "Leverandører koblet til risici", SupplierRisk, "risk_id", "Risiko (ID)")):
    register_resource(Resource(
        name=name, title=title, model=model, select=lambda model=model: sa.select(model),
        fields=[Field("id", "ID", "integer", lambda link: link.id, nullable=False),
                Field("supplier_id", "Leverandør (ID)", "integer", lambda link: link.supplier_id, nullable=False),
                Field(column, header, "integer", lambda link, column=column: getattr(link, column), nullable=False),
                Field("note", "Note", "string", lambda link: link.note)],
        filters=[Filter("supplier_id", "integer", lambda s, v, model=model: s.where(model.supplier_id == v),
                        "Leverandør (ID)"),
                 Filter(column, "integer", lambda s, v, model=model, column=column: s.where(
                     getattr(model, column) == v), header)],
    ))
