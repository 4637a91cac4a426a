"""The municipality's organisation: a tree of units (direktørområder, centre, afdelinger)."""
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.core.db import enum_column
from register.core.enums import LabelledEnum
from register.core.history import Tracked
from register.core.i18n import lazy_gettext as _l
from register.extensions import db


class UnitKind(LabelledEnum):
    MUNICIPALITY = "municipality", _l("Kommune")
    DIRECTORATE = "directorate", _l("Direktørområde")
    CENTRE = "centre", _l("Center")
    DEPARTMENT = "department", _l("Afdeling")
    TEAM = "team", _l("Team")


class Unit(Tracked, db.Model):
    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind), nullable=False)
    leader_name: Mapped[str | None] = mapped_column(sa.String(200))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    contact_phone: Mapped[str | None] = mapped_column(sa.String(40))
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    is_demo: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    parent = relationship("Unit", remote_side=[id], lazy="raise")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"<Unit {self.name}>"
