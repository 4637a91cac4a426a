"""Reading catalogues: a catalogue's tree, one requirement with its context."""
import functools
from dataclasses import dataclass

import sqlalchemy as sa

from register.catalogs import search
from register.catalogs.models import Catalog, Requirement, RequirementMapping
from register.core.i18n import localized
from register.core.picker import Picker, picker
from register.extensions import db


def catalog_by_code(code: str) -> Catalog | None:
    return db.session.execute(sa.select(Catalog).where(Catalog.code == code)).scalar_one_or_none()


def catalog_requirements(catalog: Catalog, include_retired: bool = False) -> list[Requirement]:
    """All requirements of a catalogue in catalogue order (one query)."""
    stmt = sa.select(Requirement).where(Requirement.catalog_id == catalog.id).order_by(Requirement.position)
    if not include_retired:
        stmt = stmt.where(Requirement.retired.is_(False))
    return list(db.session.execute(stmt).scalars())


MAX_DEPTH = 50  # far deeper than any catalogue; stops the walk up should a parent link ever loop


@functools.cache
def _ancestors_statement() -> sa.Select:
    """The ancestors of the requirement whose parent is `:parent`, top first: a walk up the tree in the database
    (built once, as statements cost more to build than to run)."""
    up = (sa.select(Requirement.id, Requirement.parent_id, sa.literal_column("1", sa.Integer).label("level"))
          .where(Requirement.id == sa.bindparam("parent")).cte("ancestors", recursive=True))
    up = up.union_all(sa.select(Requirement.id, Requirement.parent_id, up.c.level + 1)
                      .join(up, Requirement.id == up.c.parent_id).where(up.c.level < MAX_DEPTH))
    return sa.select(Requirement).join(up, Requirement.id == up.c.id).order_by(up.c.level.desc())


def requirement_path(req: Requirement) -> list[Requirement]:
    """The requirement's ancestors from the top of its catalogue down (one query, none for a top-level one): only
    the ancestors are read, not the whole catalogue."""
    if req.parent_id is None:
        return []
    return list(db.session.execute(_ancestors_statement(), {"parent": req.parent_id}).scalars())


def children_of(req: Requirement) -> list[Requirement]:
    return list(db.session.execute(
        sa.select(Requirement).where(Requirement.parent_id == req.id).order_by(Requirement.position)).scalars())


@dataclass
class MappedRequirement:
    requirement: Requirement
    relation: object
    note: str | None


@functools.cache
def _mapped_statement() -> sa.Select:
    # The links from the requirement and those to it, each read from its own index. One join on an OR of the
    # two directions was planned afresh on every view on PostgreSQL (a plan for any id looked dearer than one
    # for the id given), which cost ten times what running it did.
    m = RequirementMapping
    linked = sa.union_all(
        sa.select(m.target_id.label("other_id"), m.relation, m.note).where(m.source_id == sa.bindparam("id")),
        sa.select(m.source_id.label("other_id"), m.relation, m.note).where(m.target_id == sa.bindparam("id")),
    ).subquery("linked")
    return (sa.select(Requirement, linked.c.relation, linked.c.note)
            .join(linked, linked.c.other_id == Requirement.id)
            .order_by(Requirement.catalog_id, Requirement.position, Requirement.id))


def mapped_requirements(req: Requirement) -> list[MappedRequirement]:
    """Requirements of other catalogues linked to this one, in either direction (one query)."""
    return [MappedRequirement(r, rel, note) for r, rel, note in db.session.execute(_mapped_statement(),
                                                                                      {"id": req.id}).all()]


def requirement_picker(exclude_catalog: str | None = None) -> Picker:
    """Requirements to link, 'nis2 23(4) – title', searchable when there are many (`?krav_soeg=`)."""
    stmt = (sa.select(Requirement.id, Catalog.code, Requirement.display_ref, Requirement.title_da,
                      Requirement.title_en).join(Catalog, Catalog.id == Requirement.catalog_id)
            .where(Requirement.retired.is_(False)).order_by(Catalog.sort_order, Requirement.position))
    if exclude_catalog:
        stmt = stmt.where(Catalog.code != exclude_catalog)

    def label(row) -> str:
        title = localized(row, "title")
        return f"{row.code} {row.display_ref} – {title if len(title) <= 90 else title[:89] + '…'}"

    return picker("krav_soeg", stmt, label, search.matches, key=exclude_catalog)
