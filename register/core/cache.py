"""Figures computed over the whole register, kept until the register changes.

Every change to register data appends to the change log while holding the chain lock (core.history.last_hash)
until it commits, so entries are numbered in commit order, and the newest entry's id and hash (which chains
over all earlier entries) identify the state of the data. A figure cached under that stamp is exact, never
stale: one cheap query per request replaces recomputing an aggregate over thousands of rows.
"""
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from register.core.db import written_in
from register.core.history import ChangeLog
from register.core.i18n import language
from register.core.memo import per_request
from register.extensions import db

T = TypeVar("T")
MAX_ENTRIES = 64  # per worker process; each entry is one page's figures


class _Store:
    def __init__(self):
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0


# Built once: every page asks, and building the statement cost as much as running it.
_NEWEST_ENTRY = sa.select(ChangeLog.id, ChangeLog.hash).order_by(ChangeLog.id.desc()).limit(written_in(1))


def data_version() -> tuple:
    """The newest change-log entry's id and hash: changes whenever any register data changes.

    Read once per request (a page may use several cached figures); forgotten whenever the session flushes or
    rolls back, since a flush is how a change reaches the change log. Outside a request it is read every time.
    """
    memo = per_request()
    try:
        return memo["data_version"]
    except KeyError:
        pass
    row = db.session.execute(_NEWEST_ENTRY).first()
    memo["data_version"] = version = (row.id, row.hash) if row else (0, "")
    return version


def with_data_version(stmt: sa.Select) -> sa.Select:
    """`stmt` with the data stamp's two columns added, read in the same round trip (see `keep_data_version`).

    Every page reads the logged-in user and the stamp first thing; on PostgreSQL each statement is a round
    trip to the database, and this saves one per request.
    """
    newest = _NEWEST_ENTRY.subquery("newest_entry")
    return stmt.add_columns(newest.c.id.label("data_version_id"), newest.c.hash.label("data_version_hash")) \
        .outerjoin(newest, sa.true())


def keep_data_version(row: sa.Row) -> None:
    """Remember for this request the stamp that `with_data_version` read along with `row`."""
    per_request()["data_version"] = ((row.data_version_id, row.data_version_hash)
                                     if row.data_version_id is not None else (0, ""))


@sa.event.listens_for(Session, "after_flush")
@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_data_version(session, *_args) -> None:
    per_request().pop("data_version", None)


def cached(name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` once per state of the data, language and `key`. The result is shared: never mutate it."""
    if not has_app_context() or not current_app.config.get("FIGURES_CACHE", True):
        return compute()
    store: _Store = current_app.extensions.setdefault("register.figures_cache", _Store())
    full_key = (name, key, language(), data_version())
    with store.lock:
        if full_key in store.entries:
            store.entries.move_to_end(full_key)
            store.hits += 1
            return store.entries[full_key]
    value = compute()
    with store.lock:
        store.misses += 1
        store.entries[full_key] = value
        while len(store.entries) > MAX_ENTRIES:
            store.entries.popitem(last=False)
    return value
