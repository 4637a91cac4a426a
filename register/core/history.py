"""Append-only change history for register data.

Every insert, update and delete of a model marked `Tracked` is written to `change_log` by a flush
listener, in the same transaction as the change itself: who, when, which fields, old and new values,
and the full state after the change. `state_as_of` answers "what was this record on date D".
Bulk SQL (session.execute(update(...))) bypasses the ORM and therefore the history: use objects.
"""
import contextlib
import contextvars
import datetime as dt
import decimal
import enum
import functools
import hashlib
import hmac
import json
import os
import uuid
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, attributes, mapped_column

from register.core.db import Base, UTCDateTime, enum_column, utcnow
from register.core.enums import Action
from register.core.paging import Page, page_arg, paged, paginate
from register.extensions import db

REDACTED = "(skjult)"
GENESIS = "0" * 64
# Serialises writers of the hash chain on PostgreSQL (SQLite already allows one writer at a time).
CHAIN_LOCK_KEY = 7_265_001
_cli_actor: contextvars.ContextVar[str | None] = contextvars.ContextVar("history_actor", default=None)


class Tracked:
    """Mixin: changes to this model are recorded. `__history_redact__` names fields never written out.

    `__history_owner__ = ("requirement", "requirement_id")` files the entries under the record they belong to
    as well, so the owner's page finds its parts' history (deleted ones too) by an index, not a scan. Giving a
    model an owner needs a migration that fills the owner columns of its existing entries (verify_chain checks
    them)."""

    __history_redact__: frozenset[str] = frozenset()
    __history_ignore__: frozenset[str] = frozenset({"version"})
    __history_owner__: tuple[str, str] | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("__history_owner__") and cls.__dict__.get("__tablename__"):
            OWNERS[cls.__tablename__] = cls.__history_owner__


OWNERS: dict[str, tuple[str, str]] = {}  # entity -> (owner entity, the state key holding the owner's id)


def owner_fields(entity: str, state: dict) -> dict:
    """The owner columns of a change-log row for `entity` with `state` (also for bulk writers in bench/)."""
    owner = OWNERS.get(entity)
    owner_id = state.get(owner[1]) if owner else None
    return {"owner_entity": owner[0] if owner_id is not None else None, "owner_id": owner_id}


def _keep_old_value(_target, value, _oldvalue, _initiator):
    return value


@event.listens_for(Tracked, "mapper_configured", propagate=True)
def _load_old_values_on_set(mapper, cls) -> None:
    """Assigning to an expired attribute (e.g. after a commit) must still record the old value."""
    for attr in mapper.column_attrs:
        if attr.key not in cls.__history_ignore__:
            event.listen(getattr(cls, attr.key), "set", _keep_old_value, active_history=True, retval=True)


class ChangeLog(Base):
    """One change to one record. Rows are only ever inserted."""

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(sa.Integer)  # no foreign key: history outlives accounts
    actor: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    action: Mapped[Action] = mapped_column(enum_column(Action), nullable=False)
    entity: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    entity_id: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    changes: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    state: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    prev_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, default=GENESIS)
    hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, default="")
    # Derived from `state` (which the hash covers) by Tracked.__history_owner__; verify_chain checks them.
    owner_entity: Mapped[str | None] = mapped_column(sa.String(64))
    owner_id: Mapped[int | None] = mapped_column(sa.Integer)

    __table_args__ = (sa.Index("ix_change_log_entity_entity_id_at", "entity", "entity_id", "at"),
                      sa.Index("ix_change_log_at", "at"),
                      # Newest first within an owner, as its page reads them (owned_history_page).
                      sa.Index("ix_change_log_owner_at", "owner_entity", "owner_id", "at", "id"))

    def field_changes(self) -> list[tuple[str, object, object]]:
        """(field, old, new) triples in a stable order, for display."""
        return [(field, pair[0], pair[1]) for field, pair in sorted(self.changes.items())]


@contextlib.contextmanager
def acting_as(label: str):
    """Attribute changes made outside a request (CLI, jobs) to a named actor."""
    token = _cli_actor.set(label)
    try:
        yield
    finally:
        _cli_actor.reset(token)


def current_actor() -> tuple[int | None, str]:
    """Who is making the change: the logged-in user, else the CLI/job actor, else 'system'."""
    if has_request_context():
        if current_user and current_user.is_authenticated:
            return current_user.id, current_user.email
    return None, _cli_actor.get() or "system"


def to_json(value):
    """A JSON-safe rendering of a column value."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)


def _columns(obj):
    mapper = sa.inspect(obj).mapper
    return [attr for attr in mapper.column_attrs if attr.key not in obj.__history_ignore__]


def _value(obj, key):
    return REDACTED if key in obj.__history_redact__ else to_json(getattr(obj, key))


def snapshot(obj) -> dict:
    """The record's current column values, as JSON."""
    return {attr.key: _value(obj, attr.key) for attr in _columns(obj)}


def _diff(obj) -> dict:
    changes = {}
    for attr in _columns(obj):
        hist = attributes.get_history(obj, attr.key)
        if not hist.has_changes():
            continue
        old = hist.deleted[0] if hist.deleted else None
        new = hist.added[0] if hist.added else None
        if to_json(old) == to_json(new):
            continue
        if attr.key in obj.__history_redact__:
            changes[attr.key] = [REDACTED, REDACTED]
        else:
            changes[attr.key] = [to_json(old), to_json(new)]
    return changes


def _entry(obj, action: Action, changes: dict, state: dict, actor) -> dict:
    return {
        "at": utcnow(),
        "actor_id": actor[0],
        "actor": actor[1],
        "action": action.value,
        "entity": obj.__tablename__,
        "entity_id": sa.inspect(obj).mapper.primary_key_from_instance(obj)[0],
        "changes": changes,
        "state": state,
        **owner_fields(obj.__tablename__, state),
    }


@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, _flush_context) -> None:
    """Write history rows for what this flush changed, on the flush's own connection."""
    rows = []
    actor = None
    for obj in session.new:
        if isinstance(obj, Tracked):
            actor = actor or current_actor()
            state = snapshot(obj)
            changes = {k: [None, v] for k, v in state.items() if v is not None}
            rows.append(_entry(obj, Action.INSERT, changes, state, actor))
    for obj in session.dirty:
        if isinstance(obj, Tracked) and obj not in session.deleted:
            changes = _diff(obj)
            if changes:
                actor = actor or current_actor()
                rows.append(_entry(obj, Action.UPDATE, changes, snapshot(obj), actor))
    for obj in session.deleted:
        if isinstance(obj, Tracked):
            actor = actor or current_actor()
            state = snapshot(obj)
            rows.append(_entry(obj, Action.DELETE, {k: [v, None] for k, v in state.items() if v is not None},
                               state, actor))
    if rows:
        conn = session.connection()
        previous = last_hash(conn)
        for row in rows:
            row["prev_hash"] = previous
            row["hash"] = previous = entry_hash(row)
        # executemany inserts in list order (ids follow the chain) and is far faster than one huge statement
        conn.execute(sa.insert(ChangeLog.__table__), rows)


def _canonical(row) -> str:
    at = row["at"]
    fields = {
        "at": at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": row["actor_id"], "actor": row["actor"],
        "action": row["action"].value if isinstance(row["action"], enum.Enum) else row["action"],
        "entity": row["entity"], "entity_id": row["entity_id"],
        "changes": row["changes"], "state": row["state"],
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def history_key() -> bytes:
    """The chain's key (HISTORY_KEY, from instance/history_key): kept outside the database."""
    return current_app.config["HISTORY_KEY"].encode("utf-8")


def entry_hash(row, key: bytes | None = None) -> str:
    """HMAC-SHA-256, keyed, over the previous entry's hash and this entry's content: altering or removing a row
    breaks the chain, and without the key nobody can compute the hash of a forged entry."""
    message = (row["prev_hash"] + _canonical(row)).encode("utf-8")
    return hmac.new(key or history_key(), message, hashlib.sha256).hexdigest()


_CHAIN_HEAD = sa.text("SELECT register_chain_head(:key)")


def last_hash(conn) -> str:
    """The newest entry's hash, after taking the chain lock for this transaction (on PostgreSQL both in one
    round trip, by a function that reads the hash once it holds the lock: migration f2b6d8e4a1c3)."""
    if conn.dialect.name == "postgresql":
        value = conn.execute(_CHAIN_HEAD, {"key": CHAIN_LOCK_KEY}).scalar()
    else:
        value = conn.execute(_last_hash_statement()).scalar()
    return value or GENESIS


@functools.cache
def _last_hash_statement() -> sa.Select:
    log = ChangeLog.__table__.c
    return sa.select(log.hash).order_by(log.id.desc()).limit(1)


@dataclass
class ChainReport:
    checked: int
    broken_id: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the whole history in order; report the first entry whose hash or link does not hold."""
    table = ChangeLog.__table__
    key = history_key()
    previous, checked, after_id = GENESIS, 0, 0
    while True:
        rows = session.execute(
            sa.select(table).where(table.c.id > after_id).order_by(table.c.id).limit(batch)).mappings().all()
        if not rows:
            return ChainReport(checked)
        for row in rows:
            row = dict(row)
            if row["prev_hash"] != previous:
                return ChainReport(checked, row["id"], "the link to the previous entry is broken "
                                                       "(an entry before it was removed or altered)")
            if not hmac.compare_digest(entry_hash(row, key), row["hash"]):
                return ChainReport(checked, row["id"], "the entry's content does not match its hash (altered)")
            owner = owner_fields(row["entity"], row["state"] or {})
            if (row["owner_entity"], row["owner_id"]) != (owner["owner_entity"], owner["owner_id"]):
                return ChainReport(checked, row["id"], "the entry's owner does not match its state (altered)")
            previous, after_id = row["hash"], row["id"]
            checked += 1


# The chain's head is written outside the database (ANCHOR_FILE in the instance folder, and every backup and
# archived report): deleting the newest entries, or the whole log, then shows against the last anchor.
ANCHOR_FILE = "history-anchors.jsonl"


def chain_head(session: Session) -> dict:
    """The newest entry's id and hash, and how many entries there are."""
    table = ChangeLog.__table__
    newest = session.execute(sa.select(table.c.id, table.c.hash).order_by(table.c.id.desc()).limit(1)).first()
    count = session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    return {"id": newest.id if newest else None, "hash": newest.hash if newest else None, "entries": count}


def write_anchor(head: dict, reason: str) -> None:
    """Append the chain's head to the instance's anchor file (0600), outside the database."""
    path = os.path.join(current_app.instance_path, ANCHOR_FILE)
    line = json.dumps({"at": utcnow().isoformat(), "reason": reason, **head}, sort_keys=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as fh:
        fh.write(line + "\n")


def read_anchors() -> list[dict]:
    """The anchors written so far (an unreadable line is reported as such by check_anchors)."""
    path = os.path.join(current_app.instance_path, ANCHOR_FILE)
    if not os.path.exists(path):
        return []
    anchors = []
    with open(path) as fh:
        for number, line in enumerate(fh, 1):
            try:
                anchors.append(json.loads(line))
            except ValueError:
                anchors.append({"reason": f"line {number}", "id": None, "hash": "unreadable"})
    return anchors


def check_anchors(session: Session, anchors: list[dict]) -> list[str]:
    """What does not hold: each anchor's entry must still be in the chain with the same hash."""
    problems = []
    table = ChangeLog.__table__
    for anchor in anchors:
        if anchor.get("id") is None and anchor.get("hash") is None:
            continue  # anchored while the history was empty
        stored = session.execute(sa.select(table.c.hash).where(table.c.id == anchor.get("id"))).scalar()
        if stored != anchor.get("hash"):
            what = "is missing (removed)" if stored is None else "has another hash (altered)"
            problems.append(f"entry {anchor.get('id')}, anchored at {anchor.get('at', '?')} "
                            f"({anchor.get('reason', '?')}), {what}")
    return problems


def check_current_rows(session: Session, model) -> list[str]:
    """Rows of `model` whose stored values differ from their latest history entry (changed behind the app's
    back, e.g. a role set directly in the user table), and rows with no history at all."""
    latest = (sa.select(sa.func.max(ChangeLog.id).label("last_id"))
              .where(ChangeLog.entity == model.__tablename__).group_by(ChangeLog.entity_id).subquery())
    latest_states = sa.select(ChangeLog.entity_id, ChangeLog.action, ChangeLog.state).join(
        latest, ChangeLog.id == latest.c.last_id)
    states = {entity_id: (action, state) for entity_id, action, state in session.execute(latest_states)}
    problems = []
    for obj in session.execute(sa.select(model).order_by(model.id)).scalars():
        action, state = states.get(obj.id, (None, None))
        if state is None or action == Action.DELETE:
            problems.append(f"{model.__tablename__} {obj.id} has no history entry")
            continue
        current = snapshot(obj)
        changed = sorted(k for k in current if current[k] != state.get(k))
        if changed:
            problems.append(f"{model.__tablename__} {obj.id}: {', '.join(changed)} differ from the history")
    return problems


def end_of_day(day: dt.date, tz_name: str = "Europe/Copenhagen") -> dt.datetime:
    """The last instant of a local calendar day, in UTC: 'as of 31 Dec' includes all of 31 Dec."""
    # The day's own last microsecond (Danish clocks never change at midnight): the next day's first one, minus a
    # microsecond, does not exist after 9999-12-31.
    return dt.datetime.combine(day, dt.time.max, tzinfo=ZoneInfo(tz_name)).astimezone(dt.UTC)


def _as_instant(when: dt.date | dt.datetime) -> dt.datetime:
    if isinstance(when, dt.datetime):
        if when.tzinfo is None:
            raise ValueError("give an aware datetime or a date")
        return when
    return end_of_day(when)


def state_as_of(session: Session, model, entity_id: int, when: dt.date | dt.datetime) -> dict | None:
    """The record's column values as they stood at `when` (a date means the end of that local day).

    None if the record did not exist then (not yet created, or already deleted)."""
    entry = session.execute(
        sa.select(ChangeLog)
        .where(ChangeLog.entity == model.__tablename__, ChangeLog.entity_id == entity_id,
               ChangeLog.at <= _as_instant(when))
        .order_by(ChangeLog.at.desc(), ChangeLog.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if entry is None or entry.action == Action.DELETE:
        return None
    return entry.state


def states_as_of(session: Session, model, when: dt.date | dt.datetime) -> dict[int, dict]:
    """Every record of a model as it stood at `when`, keyed by id, in one query (for reports)."""
    latest = (
        sa.select(sa.func.max(ChangeLog.id).label("last_id"))
        .where(ChangeLog.entity == model.__tablename__, ChangeLog.at <= _as_instant(when))
        .group_by(ChangeLog.entity_id)
        .subquery()
    )
    # Plain columns, not ORM objects: a report reads thousands of states, and `changes` is not needed.
    rows = session.execute(
        sa.select(ChangeLog.entity_id, ChangeLog.action, ChangeLog.state)
        .join(latest, ChangeLog.id == latest.c.last_id)
    )
    return {entity_id: state for entity_id, action, state in rows if action != Action.DELETE}


def _history_stmt(model, entity_id: int) -> sa.Select:
    return (sa.select(ChangeLog)
            .where(ChangeLog.entity == model.__tablename__, ChangeLog.entity_id == entity_id)
            .order_by(ChangeLog.at.desc(), ChangeLog.id.desc()))


def history_of(session: Session, model, entity_id: int, limit: int | None = None) -> list[ChangeLog]:
    """The recorded changes of one record, newest first: all of them, or the newest `limit`."""
    return list(session.execute(_history_stmt(model, entity_id).limit(limit)).scalars())


HISTORY_PER_PAGE = 25


def history_page(model, entity_id: int | None, per_page: int = HISTORY_PER_PAGE) -> Page:
    """One page of a record's recorded changes, newest first, the page chosen by `?historik=`.

    A record edited every week for years has hundreds of entries; its page shows the newest, so the page's
    cost does not grow with its history. No record yet (a settings row not saved): an empty page."""
    if entity_id is None:
        return Page([], 0, 1, per_page)
    return paginate(_history_stmt(model, entity_id), page_arg("historik"), per_page)


@functools.cache
def _owned_history_statements() -> tuple[sa.Select, sa.Select]:
    """(count, page) of a record's entries and its parts' (filed under it as owner), built once with bound
    values: the owner's own entries and its parts' are two index walks, each stopping where the page ends, then
    merged. One OR of the two read and sorted every entry (a requirement saved weekly for years has hundreds)."""
    log = ChangeLog.__table__.c
    own = sa.and_(log.entity == sa.bindparam("entity"), log.entity_id == sa.bindparam("entity_id"))
    parts = sa.and_(log.owner_entity == sa.bindparam("entity"), log.owner_id == sa.bindparam("entity_id"))
    count = sa.select(sa.select(sa.func.count()).where(own).scalar_subquery()
                      + sa.select(sa.func.count()).where(parts).scalar_subquery())

    def newest(condition):  # the newest `upto` entries of one kind, from its index
        return (sa.select(log.id, log.at).where(condition).order_by(log.at.desc(), log.id.desc())
                .limit(sa.bindparam("upto")).subquery())

    own_ids, part_ids = newest(own), newest(parts)
    merged = sa.union_all(sa.select(own_ids.c.id, own_ids.c.at), sa.select(part_ids.c.id, part_ids.c.at)).subquery()
    page_ids = (sa.select(merged.c.id, merged.c.at).order_by(merged.c.at.desc(), merged.c.id.desc())
                .limit(sa.bindparam("per_page")).offset(sa.bindparam("skip")).subquery("page_ids"))
    # Ordered by the page's own columns, not the table's: ordered by change_log.at, SQLite, with statistics
    # taken while the log was small (right after the catalogues are loaded), walked the whole log in that
    # index's order and kept the rows on the page, instead of reading the page's rows by their ids.
    page = (sa.select(ChangeLog).join(page_ids, page_ids.c.id == ChangeLog.id)
            .order_by(page_ids.c.at.desc(), page_ids.c.id.desc()))
    return count, page


def owned_history_page(entity: str, entity_id: int, page: int, per_page: int = HISTORY_PER_PAGE) -> Page:
    """One page of a record's history together with its parts' (Tracked.__history_owner__), newest first, paged
    as core.paging.paged. The parts' entries are never the owner's own, so the two counts add up."""
    count_stmt, page_stmt = _owned_history_statements()
    key = {"entity": entity, "entity_id": entity_id}

    def rows(offset: int, limit: int) -> list:
        return list(db.session.execute(page_stmt, key | {"upto": offset + limit, "per_page": limit,
                                                          "skip": offset}).scalars())

    def count() -> int:
        return db.session.execute(count_stmt, key).scalar_one()

    return paged(rows, count, page, per_page)
