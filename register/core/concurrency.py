"""Optimistic locking: a save based on an outdated version is refused, never silently applied."""
import sqlalchemy as sa

from register.core.history import ChangeLog, history_of
from register.extensions import db


class EditConflict(Exception):
    """The record changed since the user opened it; `changes` says what others changed meanwhile."""

    def __init__(self, changes: list[ChangeLog]):
        super().__init__("edit conflict")
        self.changes = changes


def check_version(obj, submitted_version) -> None:
    """Raise EditConflict if `obj` has moved on from the version the form was based on."""
    try:
        submitted = int(submitted_version)
    except (TypeError, ValueError):
        submitted = -1
    if submitted == obj.version:
        return
    missed = max(obj.version - submitted, 1) if submitted > 0 else 5
    raise EditConflict(history_of(db.session, type(obj), obj.id, limit=missed))


def touch(obj) -> None:
    """Count a change to a record's links as a change to the record, once per save: a form opened on the older
    version is then refused (EditConflict) instead of silently putting the old links back."""
    if sa.inspect(obj).persistent and not sa.inspect(obj).attrs.version.history.has_changes():
        obj.version += 1
