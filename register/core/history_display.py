"""The change history as a person reads it: field labels in the reader's language, dates in the reader's
format, people and units by name, statuses by their labels (not column names, codes and e-mail addresses).

Labels come from the forms the fields are edited in (one source of truth for what a field is called), with a
few of our own for fields no form edits; values are read through the column's type."""
import datetime as dt
import enum
import functools

import sqlalchemy as sa
from flask import g
from flask_wtf import FlaskForm
from wtforms.fields.core import UnboundField

from register.core.hooks import hooks
from register.core.i18n import date_filter, datetime_filter, gettext as _, lazy_gettext as _l
from register.extensions import db

# Fields no form edits, or whose form label reads wrongly out of its form.
OWN_LABELS = {
    "status": _l("Status"), "title": _l("Titel"), "name": _l("Navn"), "description": _l("Beskrivelse"),
    "note": _l("Bemærkning"), "notes": _l("Noter"), "active": _l("Aktiv"), "unit_id": _l("Enhed"),
    "owner_unit_id": _l("Ansvarlig enhed"), "responsible_unit_id": _l("Ansvarlig enhed"),
    "parent_id": _l("Overordnet enhed"), "created_at": _l("Oprettet"), "added_at": _l("Tilføjet"),
    "added_by": _l("Tilføjet af"), "filename": _l("Filnavn"), "size": _l("Størrelse"), "url": _l("Link"),
    "kind": _l("Art"), "due_on": _l("Frist"), "due_date": _l("Frist"), "submitted_at": _l("Indsendt"),
    "receipt_ref": _l("Kvittering"), "role": _l("Rolle"), "email": _l("E-mail"), "language": _l("Sprog"),
    "last_login_at": _l("Seneste login"), "status_from_controls": _l("Status fra tiltag"),
    "handled_at": _l("Håndteret"), "closed_on": _l("Lukket"), "completed_on": _l("Gennemført"),
}
# Bookkeeping no reader needs: never shown.
HIDDEN = frozenset({"id", "version", "is_demo", "search_text", "password_hash", "token_hash", "stored_name",
                    "sha256", "content_type", "depth", "position", "area_id", "oidc_issuer", "oidc_subject"})
_UNIT_FIELDS = frozenset({"unit_id", "owner_unit_id", "responsible_unit_id"})


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


@functools.cache
def _form_labels() -> dict[str, object]:
    """Every form field's label by field name (the first form to name a field wins; OWN_LABELS settle clashes)."""
    labels: dict[str, object] = {}
    for form in _all_subclasses(FlaskForm):
        for name, value in vars(form).items():
            if isinstance(value, UnboundField) and name not in labels:
                label = value.kwargs.get("label") or (value.args[0] if value.args else None)
                if label:
                    labels[name] = label
    return labels


@functools.cache
def _columns(entity: str) -> dict[str, sa.Column]:
    for mapper in db.Model.registry.mappers:
        if getattr(mapper.local_table, "name", None) == entity:
            return {attr.key: attr.columns[0] for attr in mapper.column_attrs}
    return {}


def shown(entity: str, field: str) -> bool:
    return field not in HIDDEN and not field.endswith("_hash")


def field_label(entity: str, field: str) -> str:
    label = OWN_LABELS.get(field) or _form_labels().get(field)
    if label:
        return str(label)
    return field.removesuffix("_id").replace("_", " ").capitalize()


def _names(key: str, load) -> dict:
    """Names looked up once per request, whatever the number of rows."""
    cache = g.setdefault("_history_names", {})
    if key not in cache:
        cache[key] = load()
    return cache[key]


def unit_name(unit_id) -> str:
    return _names("units", hooks().unit_names).get(unit_id) or f"#{unit_id}"


def actor_name(actor: str) -> str:
    """A person by name (the history records the e-mail address they signed in with)."""
    return _names("users", hooks().user_names).get(actor) or actor


def describe(entity: str, field: str, value) -> str:
    """A recorded value as a person reads it."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Ja") if value else _("Nej")
    if field in _UNIT_FIELDS or (entity == "unit" and field == "parent_id"):
        return unit_name(value)
    column = _columns(entity).get(field)
    kind = getattr(column, "type", None)
    try:
        if isinstance(kind, sa.Enum) and kind.enum_class is not None:
            member = kind.enum_class(value)
            return str(getattr(member, "label", member.value if isinstance(member, enum.Enum) else member))
        if isinstance(kind, sa.DateTime) or isinstance(getattr(kind, "impl", None), sa.DateTime):
            return datetime_filter(dt.datetime.fromisoformat(value))
        if isinstance(kind, sa.Date):
            return date_filter(dt.date.fromisoformat(value))
    except (TypeError, ValueError):
        pass
    if isinstance(value, (list, dict)):
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return str(value)


def changes(entry) -> list[tuple[str, str, str]]:
    """(label, old, new) of an entry's changed fields, in label order, without bookkeeping fields."""
    out = [(field_label(entry.entity, field), describe(entry.entity, field, old), describe(entry.entity, field, new))
           for field, old, new in entry.field_changes() if shown(entry.entity, field)]
    return sorted(out, key=lambda row: row[0].lower())


def register(app) -> None:
    app.jinja_env.globals.update(history_changes=changes, history_actor=actor_name)
