"""Extension point: other parts show what they link to a requirement on the requirement page.

A blueprint sets `bp.requirement_links = [LinkProvider(order, _l("Fund"), items_for)]`, where
`items_for(requirement)` returns LinkedItems (one query for all of them, please). The requirement page
shows one section per provider, in order.
"""
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask


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
    items: Callable[[object], list[LinkedItem]]
    empty: object = ""      # shown when there are no items


def link_sections(app: Flask, requirement) -> list[tuple[LinkProvider, list[LinkedItem]]]:
    providers = [p for bp in app.blueprints.values() for p in getattr(bp, "requirement_links", ())]
    return [(p, p.items(requirement)) for p in sorted(providers, key=lambda p: p.order)]
