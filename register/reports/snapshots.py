"""Records as they stood on a date, from the change history, as plain objects with typed attributes.

The history stores JSON (ISO dates, enum values); the rules in the parts expect dates and enums, so each
snapshot is converted back through the model's own column types. One query per model and date; History
keeps what it has read, so a report that needs the same states more than once reads them once.
"""
import datetime as dt
from types import SimpleNamespace

import sqlalchemy as sa

from register.core.db import UTCDateTime
from register.core.enums import Action
from register.core.history import ChangeLog, end_of_day, states_as_of
from register.extensions import db


def _converter(column):
    kind = column.type
    if isinstance(kind, sa.Enum) and kind.enum_class is not None:
        members = {}

        def to_member(value, enum_class=kind.enum_class):
            member = members.get(value)
            if member is None:
                member = members[value] = enum_class(value)
            return member
        return to_member
    if isinstance(kind, UTCDateTime):
        return dt.datetime.fromisoformat
    if isinstance(kind, sa.DateTime):
        return dt.datetime.fromisoformat
    if isinstance(kind, sa.Date):
        return dt.date.fromisoformat
    return None


def typed(model, states: dict[int, dict]) -> dict[int, SimpleNamespace]:
    """Recorded states (from states_as_of) as objects with the model's attribute types, keyed by id."""
    columns = sa.inspect(model).column_attrs
    blank = dict.fromkeys(attr.key for attr in columns)  # a column the state lacks (added later) reads None
    converters = [(attr.key, convert) for attr in columns if (convert := _converter(attr.columns[0])) is not None]
    out = {}
    for entity_id, state in states.items():
        values = blank | state
        for key, convert in converters:
            value = values[key]
            if value is not None and isinstance(value, str):
                try:
                    values[key] = convert(value)
                except ValueError:  # a value the current enum no longer knows: keep the text
                    pass
        values["id"] = entity_id
        out[entity_id] = SimpleNamespace(**values)
    return out


def snapshots(model, day: dt.date) -> dict[int, SimpleNamespace]:
    """Every record of `model` at the end of `day`, keyed by id, with typed attributes."""
    return typed(model, states_as_of(db.session, model, day))


def dated_states(session, model, days: tuple[dt.date, ...], recorded: dt.date, key: str) -> list[dict[int, dict]]:
    """For each of `days`, each record's state that was true at the end of it by its own date `key`, as the
    history holds it at the end of `recorded`.

    "What was true on a day", not "what did the register say on a day": of the states saved by `recorded` whose
    `key` date is on or before the day, the last saved wins (so today's answer is the record as it is now); a
    state without that date counts from the day it was saved. Records deleted by `recorded` are left out, and so
    are records with no state dated on or before the day. One query per day, set-based like states_as_of."""
    log = ChangeLog.__table__.c
    effective = ChangeLog.state[key].as_string()
    until = end_of_day(recorded)
    out = []
    for day in days:
        winners = (
            sa.select(sa.func.max(log.id).label("wid"))
            .where(log.entity == model.__tablename__, log.at <= until, log.action != Action.DELETE,
                   sa.or_(sa.and_(effective.is_not(None), effective <= day.isoformat()),
                          sa.and_(effective.is_(None), log.at <= end_of_day(day))))
            .group_by(log.entity_id).subquery())
        later = ChangeLog.__table__.alias("later")
        deleted = sa.exists().where(later.c.entity == model.__tablename__, later.c.entity_id == log.entity_id,
                                    later.c.action == Action.DELETE, later.c.id > log.id,
                                    later.c.at <= until)
        rows = session.execute(sa.select(log.entity_id, ChangeLog.state).join(winners, log.id == winners.c.wid)
                               .where(~deleted))
        out.append(dict(rows.all()))
    return out


class History:
    """The change history read for one report: each model's states on each date, read once and kept."""

    def __init__(self):
        self._states: dict[tuple[type, dt.date], dict[int, dict]] = {}
        self._snapshots: dict[tuple[type, dt.date], dict[int, SimpleNamespace]] = {}
        self._dated: dict[tuple, dict[int, dict]] = {}

    def states(self, model, day: dt.date) -> dict[int, dict]:
        """The recorded JSON states (shared: do not change them)."""
        key = (model, day)
        if key not in self._states:
            self._states[key] = states_as_of(db.session, model, day)
        return self._states[key]

    def dated(self, model, days: tuple[dt.date, ...], recorded: dt.date, key: str) -> list[dict[int, dict]]:
        """dated_states for `days`, read once for the report (shared: do not change them)."""
        cache_key = (model, days, recorded, key)
        if cache_key not in self._dated:
            self._dated[cache_key] = dated_states(db.session, model, days, recorded, key)
        return self._dated[cache_key]

    def snapshots(self, model, day: dt.date) -> dict[int, SimpleNamespace]:
        """Typed snapshots, as snapshots() gives them; the same objects on every call for a model and date."""
        key = (model, day)
        if key not in self._snapshots:
            self._snapshots[key] = typed(model, self.states(model, day))
        return self._snapshots[key]
