"""Figures for the start page."""
import os
from pathlib import Path

import sqlalchemy as sa

from register.catalogs.models import Catalog, Requirement
from register.extensions import db
from register.organisation.models import Unit


def overview() -> dict:
    """Counts shown on the start page, in one round trip."""
    row = db.session.execute(sa.select(
        sa.select(sa.func.count(Catalog.id)).scalar_subquery(),
        sa.select(sa.func.count(Requirement.id)).where(Requirement.retired.is_(False)).scalar_subquery(),
        sa.select(sa.func.count(Unit.id)).where(Unit.active.is_(True)).scalar_subquery(),
    )).one()
    return {"catalogs": row[0], "requirements": row[1], "units": row[2]}


def database_ok() -> tuple[bool, str]:
    """Whether the database can be read and written: a SQLite file that is there and writable, a table read,
    and a write made and rolled back (a read-only file or database answers SELECT 1 but fails every save)."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:" \
            and not url.database.startswith("file:"):
        path = Path(url.database)
        if not path.is_file():
            return False, f"the SQLite file {path} is missing"
        if not os.access(path, os.R_OK | os.W_OK) or not os.access(path.parent, os.W_OK):
            return False, f"the SQLite file {path} or its folder is not writable"
    try:
        db.session.execute(sa.text("SELECT version_num FROM alembic_version")).all()
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = version_num"))
        db.session.rollback()
        return True, "ok"
    except Exception as exc:  # any driver error means "not usable" to an operator
        db.session.rollback()
        return False, type(exc).__name__ + ": " + str(exc).splitlines()[0][:200]
