"""Figures for the start page."""
import sqlalchemy as sa

from register.catalogs.models import Catalog, Requirement
from register.core.cache import cached
from register.extensions import db
from register.organisation.models import Unit


def overview() -> dict:
    """Counts shown on the start page, in one round trip, kept until the data changes."""
    return cached("home.overview", None, _count)


def _count() -> dict:
    row = db.session.execute(sa.select(
        sa.select(sa.func.count(Catalog.id)).scalar_subquery(),
        sa.select(sa.func.count(Requirement.id)).where(Requirement.retired.is_(False)).scalar_subquery(),
        sa.select(sa.func.count(Unit.id)).where(Unit.active.is_(True)).scalar_subquery(),
    )).one()
    return {"catalogs": row[0], "requirements": row[1], "units": row[2]}


def database_ok() -> tuple[bool, str]:
    try:
        db.session.execute(sa.text("SELECT 1"))
        return True, "ok"
    except Exception as exc:  # any driver error means "not reachable" to an operator
        db.session.rollback()
        return False, type(exc).__name__ + ": " + str(exc).splitlines()[0][:200]
