"""Controls (tiltag) and the requirements they satisfy in the read API."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from register.api.resources import (Field, Filter, Resource, date_filters, enum_filter, enum_values,
                                    register_resource, today)
from register.catalogs.models import Catalog, Requirement
from register.controls.models import Control, ControlRequirement, ControlStatus

# Implemented and discontinued controls have nothing left to do, so they are never overdue.
FINISHED = (ControlStatus.IMPLEMENTED, ControlStatus.DISCONTINUED)


def _overdue(stmt, value: bool):
    late = sa.and_(Control.status.not_in(FINISHED), Control.due_date < today())
    return stmt.where(late if value else sa.not_(sa.func.coalesce(late, False)))


def _in_catalog(stmt, code: str):
    return stmt.where(sa.exists().where(
        ControlRequirement.control_id == Control.id, ControlRequirement.requirement_id == Requirement.id,
        Requirement.catalog_id == Catalog.id, Catalog.code == code))


register_resource(Resource(
    name="controls", title="Tiltag", model=Control,
    select=lambda: sa.select(Control).options(joinedload(Control.owner_unit)),
    fields=[
        Field("id", "ID", "integer", lambda c: c.id, nullable=False),
        Field("title", "Titel", "string", lambda c: c.title, nullable=False),
        Field("description", "Beskrivelse", "string", lambda c: c.description),
        Field("status", "Status", "string", lambda c: c.status, nullable=False, enum=enum_values(ControlStatus)),
        Field("owner_unit_id", "Ansvarlig enhed (ID)", "integer", lambda c: c.owner_unit_id),
        Field("owner_unit", "Ansvarlig enhed", "string", lambda c: c.owner_unit.name if c.owner_unit else None),
        Field("due_date", "Frist", "date", lambda c: c.due_date),
        Field("overdue", "Frist overskredet", "boolean",
              lambda c: c.status not in FINISHED and c.due_date is not None and c.due_date < today(),
              nullable=False),
        Field("created_at", "Oprettet", "date-time", lambda c: c.created_at, nullable=False),
    ],
    filters=[
        enum_filter("status", Control.status, ControlStatus, "Status"),
        Filter("unit_id", "integer", lambda s, v: s.where(Control.owner_unit_id == v), "Ansvarlig enhed (ID)"),
        *date_filters("due", Control.due_date, "Frist"),
        Filter("overdue", "boolean", _overdue, "Fristen er overskredet, og tiltaget er ikke implementeret"),
        Filter("requirement_id", "integer", lambda s, v: s.where(sa.exists().where(
            ControlRequirement.control_id == Control.id, ControlRequirement.requirement_id == v)),
            "Tiltag der opfylder dette krav (ID)"),
        Filter("catalog", "string", _in_catalog, "Tiltag der opfylder krav i dette katalog, fx cis-v8"),
    ],
))

register_resource(Resource(
    name="control-requirements", title="Tiltag koblet til krav", model=ControlRequirement,
    select=lambda: sa.select(ControlRequirement).options(joinedload(ControlRequirement.control),
                                                         joinedload(ControlRequirement.requirement)),
    fields=[
        Field("id", "ID", "integer", lambda link: link.id, nullable=False),
        Field("control_id", "Tiltag (ID)", "integer", lambda link: link.control_id, nullable=False),
        Field("control", "Tiltag", "string", lambda link: link.control.title, nullable=False),
        Field("control_status", "Tiltagets status", "string", lambda link: link.control.status, nullable=False,
              enum=enum_values(ControlStatus)),
        Field("requirement_id", "Krav (ID)", "integer", lambda link: link.requirement_id, nullable=False),
        Field("catalog", "Katalog", "string", lambda link: link.requirement.catalog.code, nullable=False),
        Field("display_ref", "Reference", "string", lambda link: link.requirement.display_ref, nullable=False),
        Field("requirement", "Krav", "string", lambda link: link.requirement.title_da, nullable=False),
        Field("note", "Note", "string", lambda link: link.note),
    ],
    filters=[
        Filter("control_id", "integer", lambda s, v: s.where(ControlRequirement.control_id == v), "Tiltag (ID)"),
        Filter("requirement_id", "integer", lambda s, v: s.where(ControlRequirement.requirement_id == v),
               "Krav (ID)"),
        Filter("catalog", "string", lambda s, v: s.join(Requirement, ControlRequirement.requirement_id
                                                        == Requirement.id).join(Catalog).where(Catalog.code == v),
               "Katalogets kode"),
    ],
))
