"""Keep a worker's long-lived objects out of the garbage collector's full passes.

A full collection walks every object the process tracks: about 230,000 once the modules are imported and each
page has been drawn once (SQLAlchemy, ReportLab, openpyxl, compiled templates and queries). On the 2-core
reference machine that walk takes 100-250 ms, inside whichever request happens to trigger it, and every
request queued behind that worker waits too. Those objects live as long as the worker, so after a warm-up
they are moved to the permanent generation (`gc.freeze`), which collections skip; new objects are collected
as before. Reference counting still frees anything released later; only reference cycles among objects that
were alive at a freeze stay, and a worker freezes three times in its life.
"""
import gc
import itertools

from flask import Flask

# Requests after which a worker freezes: early for what every page needs, later for pages used less often.
FREEZE_AFTER = (100, 1_000, 10_000)


def freeze_after_warmup(app: Flask, after: tuple[int, ...] = FREEZE_AFTER) -> None:
    """After the `after`-th requests, collect the young generations and freeze what is left; for the
    production entry point."""
    counter = itertools.count(1)  # next() on a count is atomic under the GIL, so threads need no lock
    marks = frozenset(after)

    @app.after_request
    def count_request(response):
        if next(counter) in marks:
            response.call_on_close(_collect_and_freeze)  # after the response is sent, not before
        return response


def _collect_and_freeze() -> None:
    # The young generations only: they hold most of what is garbage now (a few milliseconds), whereas a full
    # collection first would be the very 100-250 ms pause this avoids, once per mark in every worker. The
    # little garbage already in the old generation stays frozen.
    gc.collect(1)
    gc.freeze()
