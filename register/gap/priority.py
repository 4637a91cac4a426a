"""The priority rule (models.MATRIX) as the matrix the user reads on screen and as SQL for lists and filters."""
import functools

import sqlalchemy as sa

from register.gap.models import MATRIX, UNKNOWN_COST_AS, CostLevel, Finding, Priority, Severity, priority_for


def matrix_rows() -> list[tuple[Severity, list[Priority]]]:
    """The matrix for display: one row per severity, one column per cost level."""
    return [(severity, [MATRIX[severity][cost] for cost in CostLevel]) for severity in Severity]


# The columns the effective priority follows from. Grouping by them and applying the matrix to the few groups
# in Python costs a third of grouping by the CASE expression below, which SQLite evaluates for every row.
PRIORITY_INPUTS = (Finding.priority_override, Finding.severity, Finding.cost)


def effective_priority(override, severity, cost) -> Priority:
    """The priority of a group of findings with these PRIORITY_INPUTS."""
    return Priority(override) if override else priority_for(severity, cost)


def _priority_case(result):
    """The matrix as nested CASEs (severity, then cost): each row compares its severity and cost once, not
    once for each of the twelve cells. `result(priority)` is what a cell yields."""
    cost = sa.func.coalesce(sa.cast(Finding.cost, sa.String), UNKNOWN_COST_AS.value)
    by_severity = {severity.value: sa.case({level.value: result(prio) for level, prio in row.items()},
                                           value=cost, else_=result(Priority.P4))
                   for severity, row in MATRIX.items()}
    return sa.case(by_severity, value=sa.cast(Finding.severity, sa.String), else_=result(Priority.P4))


@functools.cache  # the matrix is fixed, so the expression is too; building it took a millisecond a page
def priority_sql():
    """The effective priority as an SQL expression ('1'..'4'), for grouping and filtering in the database."""
    return sa.func.coalesce(sa.cast(Finding.priority_override, sa.String), _priority_case(lambda p: p.value))


@functools.cache
def priority_rank_sql():
    """The effective priority as a number (1..4), for ordering: PostgreSQL compares text by the database's
    collation, which made sorting 2,000 findings by the text form take 10 ms."""
    override = sa.case({p.value: int(p.value) for p in Priority}, value=sa.cast(Finding.priority_override, sa.String))
    return sa.func.coalesce(override, _priority_case(lambda p: int(p.value)))
