"""Units in the read API."""
import sqlalchemy as sa

from register.api.resources import Field, Filter, Resource, register_resource
from register.organisation.models import Unit, UnitKind

register_resource(Resource(
    name="units", title="Organisatoriske enheder", model=Unit, select=lambda: sa.select(Unit),
    fields=[
        Field("id", "ID", "integer", lambda u: u.id, nullable=False),
        Field("name", "Navn", "string", lambda u: u.name, nullable=False),
        Field("kind", "Type", "string", lambda u: u.kind, nullable=False, enum=[k.value for k in UnitKind]),
        Field("parent_id", "Overordnet enhed (ID)", "integer", lambda u: u.parent_id),
        Field("leader_name", "Leder", "string", lambda u: u.leader_name),
        Field("contact_email", "Kontakt-e-mail", "string", lambda u: u.contact_email),
        Field("contact_phone", "Telefon", "string", lambda u: u.contact_phone),
        Field("active", "Aktiv", "boolean", lambda u: u.active, nullable=False),
    ],
    filters=[
        Filter("kind", "string", lambda s, v: s.where(Unit.kind == UnitKind(v)), "Enhedstype",
               enum=[k.value for k in UnitKind]),
        Filter("parent_id", "integer", lambda s, v: s.where(Unit.parent_id == v), "Kun underenheder af denne enhed"),
        Filter("active", "boolean", lambda s, v: s.where(Unit.active.is_(v)), "Kun aktive (true) eller inaktive"),
    ],
))
