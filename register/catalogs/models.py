"""Catalogues of requirements (NIS2, CIS Controls, beredskab) and the mappings between them.

The catalogue text is reference data keyed by (catalogue code, ref); the municipality's own
assessment of a requirement lives in other tables keyed by the requirement's id, so reloading a
catalogue never touches it.
"""
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.core.db import UTCDateTime, enum_column, utcnow
from register.core.enums import LabelledEnum
from register.core.history import Tracked
from register.core.i18n import lazy_gettext as _l
from register.extensions import db


class Catalog(Tracked, db.Model):
    __tablename__ = "catalog"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    version: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    title_da: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    title_en: Mapped[str | None] = mapped_column(sa.String(300))
    description_da: Mapped[str | None] = mapped_column(sa.Text)
    description_en: Mapped[str | None] = mapped_column(sa.Text)
    source_url: Mapped[str | None] = mapped_column(sa.String(500))
    licence: Mapped[str | None] = mapped_column(sa.Text)
    sort_order: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=100)
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    # Catalogues are listed in this order; with ix_requirement_list_order, a page of the requirement list is
    # read in order from two indexes instead of sorting every requirement.
    __table_args__ = (sa.Index("ix_catalog_sort_order_code", "sort_order", "code"),)

    __history_ignore__ = frozenset({"loaded_at"})

    requirements = relationship("Requirement", back_populates="catalog", lazy="raise")


class Requirement(Tracked, db.Model):
    __tablename__ = "requirement"

    id: Mapped[int] = mapped_column(primary_key=True)
    catalog_id: Mapped[int] = mapped_column(sa.ForeignKey("catalog.id", ondelete="RESTRICT"), nullable=False)
    ref: Mapped[str] = mapped_column(sa.String(64), nullable=False)           # stable key inside the catalogue
    display_ref: Mapped[str] = mapped_column(sa.String(64), nullable=False)   # as people write it: "21(2)(d)"
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("requirement.id", ondelete="SET NULL"))
    # The top-level group (area) the requirement sits under; None for an area itself. Derived from parent_id
    # (see `_keep_area`), kept so that lists filter and show areas without walking the tree per query.
    # No foreign key: requirements are retired, never deleted, and SQLite could only add one by rebuilding.
    area_id: Mapped[int | None] = mapped_column(sa.Integer, index=True)
    depth: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)  # order in the catalogue
    kind: Mapped[str] = mapped_column(sa.String(40), nullable=False, default="requirement")
    title_da: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    title_en: Mapped[str | None] = mapped_column(sa.String(500))
    text_da: Mapped[str | None] = mapped_column(sa.Text)
    text_en: Mapped[str | None] = mapped_column(sa.Text)
    source_ref: Mapped[str | None] = mapped_column(sa.String(300))      # "Art. 21(2)(d), Directive (EU) 2022/2555"
    source_url: Mapped[str | None] = mapped_column(sa.String(500))
    national_basis: Mapped[str | None] = mapped_column(sa.String(300))  # "NIS 2-loven § 6, stk. 1, nr. 4"
    note: Mapped[str | None] = mapped_column(sa.Text)                   # verification status and caveats
    attributes: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)  # e.g. CIS IG counts
    search_text: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    retired: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)  # gone from newer version

    __table_args__ = (sa.UniqueConstraint("catalog_id", "ref", name="uq_requirement_catalog_id_ref"),
                      sa.Index("ix_requirement_catalog_id_position", "catalog_id", "position"),
                      # Covers the requirement list's count and its default order (see ix_catalog_sort_order_code).
                      sa.Index("ix_requirement_list_order", "catalog_id", "retired", "position", "id"),
                      # Whether a requirement has current sub-requirements (the compliance figures ask for every
                      # requirement) is read from the index alone.
                      sa.Index("ix_requirement_parent_id_retired", "parent_id", "retired"))
    __history_ignore__ = frozenset({"search_text", "area_id"})

    catalog = relationship("Catalog", back_populates="requirements", lazy="joined", innerjoin=True)
    parent = relationship("Requirement", remote_side=[id], lazy="raise")

    @property
    def full_ref(self) -> str:
        return f"{self.catalog.code}:{self.ref}"


def area_of():
    """SQL for a requirement's area id: its area, or itself if it is one."""
    return sa.func.coalesce(Requirement.area_id, Requirement.id)


@sa.event.listens_for(Requirement, "before_insert")
@sa.event.listens_for(Requirement, "before_update")
def _keep_area(mapper, connection, target: Requirement) -> None:
    """A requirement's area is its parent's area (or the parent, if that is an area)."""
    if target.parent_id is None:
        target.area_id = None
        return
    state = sa.inspect(target)
    if state.persistent and not state.attrs.parent_id.history.has_changes() and target.area_id is not None:
        return
    parent = (state.session.identity_map.get(mapper.identity_key_from_primary_key((target.parent_id,)))
              if state.session else None)
    if parent is not None and "area_id" in parent.__dict__ and "id" in parent.__dict__:
        target.area_id = parent.area_id or parent.id
    else:
        target.area_id = connection.execute(sa.select(area_of()).where(Requirement.id == target.parent_id)).scalar_one()


class MappingRelation(LabelledEnum):
    EQUIVALENT = "equivalent", _l("svarer til")
    SUPPORTS = "supports", _l("understøtter")
    RELATED = "related", _l("relateret til")


class RequirementMapping(Tracked, db.Model):
    """A link between requirements of two catalogues, e.g. NIS2 21(2)(b) <-> CIS 17."""

    __tablename__ = "requirement_mapping"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("requirement.id", ondelete="CASCADE"), nullable=False)
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("requirement.id", ondelete="CASCADE"), nullable=False,
                                           index=True)
    relation: Mapped[MappingRelation] = mapped_column(enum_column(MappingRelation), nullable=False)
    note: Mapped[str | None] = mapped_column(sa.Text)

    __table_args__ = (sa.UniqueConstraint("source_id", "target_id", name="uq_requirement_mapping_source_id_target_id"),)

    source = relationship("Requirement", foreign_keys=[source_id], lazy="raise")
    target = relationship("Requirement", foreign_keys=[target_id], lazy="raise")
