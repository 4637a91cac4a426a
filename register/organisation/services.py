"""Reading and changing the unit tree."""
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from wtforms import SelectChoice

from register.core.i18n import gettext as _
from register.extensions import db
from register.organisation.models import Unit, UnitKind


class UnitError(ValueError):
    """A change to the tree that would break it; the message is meant for the user."""


@dataclass
class TreeNode:
    unit: Unit
    depth: int
    children: list["TreeNode"] = field(default_factory=list)


def all_units(include_inactive: bool = True) -> list[Unit]:
    stmt = sa.select(Unit).order_by(Unit.name)
    if not include_inactive:
        stmt = stmt.where(Unit.active.is_(True))
    return list(db.session.execute(stmt).scalars())


def unit_tree(include_inactive: bool = True) -> list[TreeNode]:
    """The whole organisation as a forest, from one query."""
    return _forest(all_units(include_inactive))


def _forest(units) -> list[TreeNode]:
    """Units (or rows with their id, name and parent_id) in name order, as trees; a unit whose parent is not
    among them is a root."""
    nodes = {u.id: TreeNode(u, 0) for u in units}
    roots = []
    for unit in units:
        parent = nodes.get(unit.parent_id)
        (parent.children if parent else roots).append(nodes[unit.id])

    def set_depth(node, depth):
        node.depth = depth
        for child in node.children:
            set_depth(child, depth + 1)

    for root in roots:
        set_depth(root, 0)
    return roots


def flatten(forest: list[TreeNode]) -> list[TreeNode]:
    out = []

    def walk(node):
        out.append(node)
        for child in node.children:
            walk(child)

    for root in forest:
        walk(root)
    return out


def unit_names() -> dict[int, str]:
    """Every unit's name by id (inactive ones too): for history entries and lists that name units by id."""
    return dict(db.session.execute(sa.select(Unit.id, Unit.name)).all())


def unit_choices(include_blank: bool = True, keep=()) -> list[SelectChoice]:
    """Select options showing the hierarchy by indentation: the active units, and the units in `keep` (those a
    record names already) even if they have since been made inactive, so that saving the record keeps them
    instead of clearing them."""
    # plain rows, not Unit objects: loading 50 objects was a fifth of a status save's time
    rows = db.session.execute(sa.select(Unit.id, Unit.name, Unit.parent_id)
                              .where(Unit.active.is_(True)).order_by(Unit.name)).all()
    choices = [SelectChoice(str(node.unit.id), "\u2003" * node.depth + node.unit.name)
               for node in flatten(_forest(rows))]
    offered = {choice.value for choice in choices}
    inactive = sorted({str(unit_id) for unit_id in keep if unit_id} - offered, key=int)
    if inactive:
        names = unit_names()
        choices += [SelectChoice(unit_id, _("%(name)s (inaktiv)", name=names[int(unit_id)])) for unit_id in inactive
                    if int(unit_id) in names]
    return [SelectChoice("", "—"), *choices] if include_blank else choices


def ancestors(unit: Unit) -> list[Unit]:
    """From the root down to the unit's parent (one query for the whole tree)."""
    by_id = {u.id: u for u in all_units()}
    chain, current = [], by_id.get(unit.parent_id)
    while current is not None and current not in chain:
        chain.append(current)
        current = by_id.get(current.parent_id)
    return list(reversed(chain))


def root_unit_name() -> str:
    """The municipality's own unit's name, else the configured name."""
    return db.session.execute(
        sa.select(Unit.name).where(Unit.parent_id.is_(None), Unit.kind == UnitKind.MUNICIPALITY).limit(1)
    ).scalar_one_or_none() or current_app.config["MUNICIPALITY_NAME"]


def check_parent(unit: Unit, parent_id: int | None) -> None:
    """A unit cannot be placed under itself or one of its own descendants."""
    if parent_id is None or unit.id is None:
        return
    by_id = {u.id: u for u in all_units()}
    current = by_id.get(parent_id)
    while current is not None:
        if current.id == unit.id:
            raise UnitError(_("En enhed kan ikke placeres under sig selv eller en af sine underenheder."))
        current = by_id.get(current.parent_id)
