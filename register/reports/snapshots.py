"""Records as they stood on a date, from the change history, as plain objects with typed attributes.

The history stores JSON (ISO dates, enum values); the rules in the parts expect dates and enums, so each
snapshot is converted back through the model's own column types. One query per model.
"""
import datetime as dt
from types import SimpleNamespace

import sqlalchemy as sa

from register.core.db import UTCDateTime
from register.core.history import states_as_of
from register.extensions import db


def _converter(column):
    kind = column.type
    if isinstance(kind, sa.Enum) and kind.enum_class is not None:
        return lambda v: kind.enum_class(v)
    if isinstance(kind, UTCDateTime):
        return dt.datetime.fromisoformat
    if isinstance(kind, sa.DateTime):
        return dt.datetime.fromisoformat
    if isinstance(kind, sa.Date):
        return dt.date.fromisoformat
    return None


def snapshots(model, day: dt.date) -> dict[int, SimpleNamespace]:
    """Every record of `model` at the end of `day`, keyed by id, with typed attributes."""
    columns = sa.inspect(model).column_attrs
    converters = {attr.key: _converter(attr.columns[0]) for attr in columns}
    out = {}
    for entity_id, state in states_as_of(db.session, model, day).items():
        values = {}
        for key, convert in converters.items():
            value = state.get(key)
            if value is not None and convert is not None and isinstance(value, str):
                try:
                    value = convert(value)
                except ValueError:  # a value the current enum no longer knows: keep the text
                    pass
            values[key] = value
        values["id"] = entity_id
        out[entity_id] = SimpleNamespace(**values)
    return out
