"""Catalogues, requirements and their mappings in the read API."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from register.api.resources import Field, Filter, Resource, register_resource
from register.catalogs.models import Catalog, MappingRelation, Requirement, RequirementMapping

register_resource(Resource(
    name="catalogs", title="Kravkataloger", model=Catalog, select=lambda: sa.select(Catalog),
    fields=[
        Field("id", "ID", "integer", lambda c: c.id, nullable=False),
        Field("code", "Kode", "string", lambda c: c.code, nullable=False),
        Field("version", "Version", "string", lambda c: c.version, nullable=False),
        Field("title_da", "Titel", "string", lambda c: c.title_da, nullable=False),
        Field("title_en", "Titel (engelsk)", "string", lambda c: c.title_en),
        Field("source_url", "Kilde", "string", lambda c: c.source_url),
    ],
))

register_resource(Resource(
    name="requirements", title="Krav", model=Requirement,
    select=lambda: sa.select(Requirement).options(joinedload(Requirement.catalog)),
    fields=[
        Field("id", "ID", "integer", lambda r: r.id, nullable=False),
        Field("catalog", "Katalog", "string", lambda r: r.catalog.code, nullable=False),
        Field("ref", "Nøgle", "string", lambda r: r.ref, nullable=False),
        Field("display_ref", "Reference", "string", lambda r: r.display_ref, nullable=False),
        Field("parent_id", "Overordnet krav (ID)", "integer", lambda r: r.parent_id),
        Field("title_da", "Titel", "string", lambda r: r.title_da, nullable=False),
        Field("title_en", "Titel (engelsk)", "string", lambda r: r.title_en),
        Field("source_ref", "Kilde", "string", lambda r: r.source_ref),
        Field("national_basis", "Dansk hjemmel", "string", lambda r: r.national_basis),
        Field("retired", "Udgået", "boolean", lambda r: r.retired, nullable=False),
    ],
    filters=[
        Filter("catalog", "string", lambda s, v: s.join(Catalog).where(Catalog.code == v), "Katalogets kode"),
        Filter("parent_id", "integer", lambda s, v: s.where(Requirement.parent_id == v), "Kun underkrav"),
        Filter("retired", "boolean", lambda s, v: s.where(Requirement.retired.is_(v)), "Udgåede krav"),
    ],
))

register_resource(Resource(
    name="requirement-mappings", title="Koblinger mellem krav", model=RequirementMapping,
    select=lambda: sa.select(RequirementMapping),
    fields=[
        Field("id", "ID", "integer", lambda m: m.id, nullable=False),
        Field("source_id", "Krav (ID)", "integer", lambda m: m.source_id, nullable=False),
        Field("target_id", "Kobler til krav (ID)", "integer", lambda m: m.target_id, nullable=False),
        Field("relation", "Relation", "string", lambda m: m.relation, nullable=False,
              enum=[r.value for r in MappingRelation]),
        Field("note", "Note", "string", lambda m: m.note),
    ],
    filters=[Filter("requirement_id", "integer", lambda s, v: s.where(
        sa.or_(RequirementMapping.source_id == v, RequirementMapping.target_id == v)), "Koblinger for dette krav")],
))
