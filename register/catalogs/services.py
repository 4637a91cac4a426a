"""Reading catalogues: a catalogue's tree, one requirement with its context."""
import enum
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


class Kin(enum.IntEnum):
    """How a requirement read by `related_requirements` stands to the one asked for; also the order shown."""
    SELF = 0
    ANCESTOR = 1
    CHILD = 2
    MAPPED = 3


@functools.cache
def related_requirements() -> sa.Subquery:
    """The requirement `:requirement_id` and those around it, as (id, kin, rank, relation, note): its ancestors
    (a walk up the tree in the database), its children, and the requirements of other catalogues mapped to it
    in either direction. One round trip instead of four, for a requirement's page. Built once, as statements
    cost more to build than to run.

    The mappings come first so that the columns take their types; each is read from its own index (one join
    on an OR of the two directions was planned afresh on every view on PostgreSQL, which cost ten times
    running it)."""
    m = RequirementMapping
    asked = sa.bindparam("requirement_id", type_=sa.Integer)
    def number(n: int) -> sa.BindParameter:
        return sa.literal(int(n), sa.Integer)

    up = (sa.select(Requirement.id, Requirement.parent_id, number(0).label("level"))
          .where(Requirement.id == asked).cte("ancestors", recursive=True))
    up = up.union_all(sa.select(Requirement.id, Requirement.parent_id, up.c.level + 1)
                      .join(up, Requirement.id == up.c.parent_id).where(up.c.level < number(MAX_DEPTH)))
    return sa.union_all(
        sa.select(m.target_id.label("id"), number(Kin.MAPPED).label("kin"), number(0).label("rank"),
                  m.relation, m.note).where(m.source_id == asked),
        sa.select(m.source_id, number(Kin.MAPPED), number(0), m.relation, m.note).where(m.target_id == asked),
        # The walk starts at the requirement itself (level 0); the top of the catalogue comes first.
        sa.select(up.c.id, sa.case((up.c.level == 0, number(Kin.SELF)), else_=number(Kin.ANCESTOR)),
                  -up.c.level, sa.null(), sa.null()),
        sa.select(Requirement.id, number(Kin.CHILD), Requirement.position, sa.null(), sa.null())
        .where(Requirement.parent_id == asked),
    ).subquery("related")


def related_order(related: sa.Subquery) -> tuple:
    """The order `Neighbourhood.of` expects the rows of `related_requirements` in."""
    return related.c.kin, related.c.rank, Requirement.catalog_id, Requirement.position, Requirement.id


@dataclass
class MappedRequirement:
    requirement: Requirement
    relation: object
    note: str | None


@dataclass
class Neighbourhood:
    """A requirement's place in its catalogue and among the others: what its page shows around it."""
    requirement: Requirement
    path: list[Requirement]          # its ancestors from the top of its catalogue down
    children: list[Requirement]
    mapped: list[MappedRequirement]  # in catalogue order

    @classmethod
    def of(cls, rows) -> "Neighbourhood | None":
        """From rows of (Requirement, kin, relation, note) in `related_order`; None if the requirement itself is
        not among them (there is no such requirement)."""
        found: dict[Kin, list] = {kin: [] for kin in Kin}
        for req, kin, relation, note in rows:
            found[kin].append(MappedRequirement(req, relation, note) if kin == Kin.MAPPED else req)
        if not found[Kin.SELF]:
            return None
        return cls(found[Kin.SELF][0], found[Kin.ANCESTOR], found[Kin.CHILD], found[Kin.MAPPED])


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

    return picker("krav_soeg", stmt, label, search.matches)
