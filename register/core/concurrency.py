"""Optimistic locking: a save based on an outdated version is refused, never silently applied."""
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import flash

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


@dataclass
class SaveOutcome:
    """What `save_versioned` did: saved and committed (`done`, with what the save returned), refused because the
    record moved on (`conflict`: the changes made meanwhile), or not saved (the form is invalid or not sent)."""
    done: bool = False
    value: Any = None
    conflict: list[ChangeLog] | None = None
    status: int = 200  # for the form's page when not done: 409 on a conflict, 422 when the input is refused


def save_versioned(form, record, save: Callable[[], Any], refused: type[Exception] | tuple = (),
                   field: str | None = None) -> SaveOutcome:
    """The edit form's save: validate; refuse if `record` has moved on since the form was opened (its
    `version`); else `save()` and commit once. A new record (not yet in the database, or None) has nothing to
    conflict with. A refusal from the service (an exception of `refused`, its message meant for the user)
    becomes an error on the field it names (`exc.field`), else on `field`. Anything refused is rolled back,
    and the user's input stays in the form: after a conflict with the record's current version, so that saving
    again, having read what changed, applies it."""
    existing = record is not None and sa.inspect(record).persistent
    if not form.is_submitted():
        form.version.data = record.version if existing else 0
    if not form.validate_on_submit():
        return SaveOutcome(status=422 if form.errors else 200)
    try:
        if existing:
            check_version(record, form.version.data)
        value = save()
    except EditConflict as exc:
        db.session.rollback()
        form.version.data = record.version  # read again: the rollback expired it
        return SaveOutcome(conflict=exc.changes, status=409)
    except refused as exc:
        db.session.rollback()
        form[getattr(exc, "field", None) or field].errors.append(str(exc))
        return SaveOutcome(status=422)
    db.session.commit()
    return SaveOutcome(done=True, value=value)


def commit_or_refuse(action: Callable[[], Any], refused: type[Exception] | tuple, form=None,
                     field: str | None = None) -> SaveOutcome:
    """A POST's save: `action()` (a service call that flushes), then one commit. A refusal from the service (an
    exception of `refused`, its message meant for the user) is rolled back, so nothing half-done is kept, and
    told: next to the form's field it names (`exc.field`, else `field`) when a form is given, else flashed."""
    try:
        value = action()
    except refused as exc:
        db.session.rollback()
        name = getattr(exc, "field", None) or field
        if form is not None and name:
            form[name].errors.append(str(exc))
        else:
            flash(str(exc), "error")
        return SaveOutcome(status=422)
    db.session.commit()
    return SaveOutcome(done=True, value=value)
