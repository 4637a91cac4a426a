"""Extension point: other parts show what they link to a requirement on the requirement page.

A blueprint sets `bp.requirement_links = [LinkProvider(order, _l("Fund"), Finding, linked, items)]`:
`linked(requirement_id)` selects `ranked(Finding.id, order...)` of the records linked to the requirement,
and `items(records)` makes them LinkedItems. The requirement page shows one section per provider, in order.
Every section is read in one statement, whatever the number of providers: each was a round trip of its own.
"""
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import aliased

from register.extensions import db


@dataclass(frozen=True)
class LinkedItem:
    label: str
    url: str | None = None
    badge: object = None    # a LabelledEnum member, shown with the badge macro
    detail: str = ""


@dataclass(frozen=True)
class LinkProvider:
    order: int
    title: object           # lazy string, the section heading
    model: type             # the records the section lists
    linked: Callable[[sa.ColumnElement[int]], sa.Select]  # given the requirement's id: `ranked(...)` of its records
    items: Callable[[list], list[LinkedItem]]            # those records, in their order, as the section shows them
    empty: object = ""      # shown when there are no items


def ranked(record_id: sa.ColumnElement[int], *order_by) -> tuple[sa.ColumnElement, sa.ColumnElement]:
    """The columns a provider's `linked` selects: the record's id and its place in the section."""
    return record_id.label("id"), sa.func.row_number().over(order_by=order_by).label("rank")


def _providers(app: Flask) -> list[LinkProvider]:
    return sorted((p for bp in app.blueprints.values() for p in getattr(bp, "requirement_links", ())),
                  key=lambda p: p.order)


def _statement(providers: list[LinkProvider]) -> sa.Select:
    """(part, one record of each provider's model, of which only the part's is there), in section order: the
    providers' ids in one union, each model joined where its part's rows are."""
    asked = sa.bindparam("requirement_id", type_=sa.Integer)
    linked = sa.union_all(*[p.linked(asked).add_columns(sa.literal(part, sa.Integer).label("part"))
                            for part, p in enumerate(providers)]).subquery("linked")
    records = [aliased(p.model) for p in providers]
    stmt = sa.select(linked.c.part, *records).select_from(linked)
    for part, record in enumerate(records):
        stmt = stmt.outerjoin(record, sa.and_(linked.c.part == part, record.id == linked.c.id))
    return stmt.order_by(linked.c.part, linked.c.rank)


def link_sections(app: Flask, requirement_id: int) -> list[tuple[LinkProvider, list[LinkedItem]]]:
    providers = _providers(app)
    if not providers:
        return []
    # Built once per set of providers: statements cost more to build than to run.
    statements = app.extensions.setdefault("register.requirement_links", {})
    key = tuple((p.model, p.linked) for p in providers)
    if key not in statements:
        statements[key] = _statement(providers)
    found: list[list] = [[] for _ in providers]
    for row in db.session.execute(statements[key], {"requirement_id": requirement_id}):
        found[row.part].append(row[1 + row.part])
    return [(p, p.items(records)) for p, records in zip(providers, found, strict=True)]
