"""A list's rows drawn once per content, and kept.

A list row's HTML depends only on the row's values (a plain row of the list's own statement), the reader's
language, where the app is served from and a few flags the list passes (may this reader edit, is the row
ticked). Drawing fifty rows was a third of the requirement list's time, and the same rows come back in every
sort, filter and page of the list and for every reader. So each row is drawn once for that key and kept: a
changed row has other values, so it is drawn again, and nothing shown can be stale.

Whole lists are not kept (a list is paged, sorted and filtered far more often than it is viewed twice in the
same state); their rows are shared by all of those views. Each worker keeps at most MAX_ROWS rows, the least
recently shown dropped first.
"""
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterable

from flask import current_app, request
from markupsafe import Markup

from register.core.i18n import language

MAX_ROWS = 10_000  # per worker: about 10 MB of HTML at the requirement list's 1 KB a row


class RowStore:
    def __init__(self, limit: int = MAX_ROWS):
        self.limit = limit
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0


def _store() -> RowStore:
    return current_app.extensions.setdefault("register.rows", RowStore())


def drawn_rows(template_name: str, rows: Iterable, ticked: Collection = (), constants: dict | None = None,
               key: Callable[[object], Hashable] = tuple, **context: Hashable) -> Markup:
    """Each row drawn by `template_name` (which gets `row`, `ticked`, `constants` and `context`), kept by
    `key(row)`: by default the row's values, for a plain row.

    Everything the row's HTML shows must come from `key(row)`, whether the row's id is among `ticked` (the
    rows chosen for a bulk edit that was refused), `context` (hashable, the same for every row), the language,
    or `constants`: values whose effect on a row the key already holds (fixed for the process's life, such as a
    scale of labels, or named in the key where a row uses them)."""
    template = current_app.jinja_env.get_template(template_name)
    keep = current_app.config.get("FIGURES_CACHE", True)
    store = _store()
    common = (template, language(), request.script_root, tuple(sorted(context.items())))
    drawn = []
    for row in rows:
        row_ticked = bool(ticked) and row.id in ticked
        row_key = (common, key(row), row_ticked)
        with store.lock:
            html = store.entries.get(row_key) if keep else None
            if html is not None:
                store.entries.move_to_end(row_key)
                store.hits += 1
        if html is None:
            html = template.render(row=row, ticked=row_ticked, **(constants or {}), **context)
            if keep:
                with store.lock:
                    store.misses += 1
                    store.entries[row_key] = html
                    while len(store.entries) > store.limit:
                        store.entries.popitem(last=False)
        drawn.append(html)
    return Markup("".join(drawn))
