"""Extension point: the part whose requirements take their status from their controls hands controls the rule
and the refresh on its blueprint, so that controls imports none of it (it imports controls).

That blueprint sets `bp.status_rollup = StatusRollup(rule, refresh)`: the control page states the rule, and
`refresh(requirement_ids)` is called, after the flush, with the requirements whose controls changed (a link made
or removed, a linked control saved). Other parts add sections to the control page with
`bp.control_sections = [PageSection(...)]` (core.templating).
"""
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app


@dataclass(frozen=True)
class StatusRollup:
    rule: object  # lazy string, shown on the control page
    refresh: Callable[[set[int]], object]


def status_rollup(app: Flask) -> StatusRollup | None:
    return next((bp.status_rollup for bp in app.blueprints.values() if hasattr(bp, "status_rollup")), None)


def requirements_changed(requirement_ids: set[int]) -> None:
    """The requirements whose controls changed follow them, where a part rolls their status up."""
    rollup = status_rollup(current_app)
    if rollup is not None:
        rollup.refresh(requirement_ids)
