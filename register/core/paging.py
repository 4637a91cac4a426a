"""Paging long lists in the database, so a page's cost does not grow with the data."""
import math
from dataclasses import dataclass

import sqlalchemy as sa

from register.core.params import int_arg
from register.extensions import db

PER_PAGE = 50
MAX_PAGE = 1_000_000


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(math.ceil(self.total / self.per_page), 1)

    @property
    def first_number(self) -> int:
        """The 1-based position of the first item on this page ("51–100 af 2.000")."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_number(self) -> int:
        return (self.page - 1) * self.per_page + len(self.items)


def count_rows(stmt: sa.Select) -> int:
    """How many rows `stmt` returns, counted in the database."""
    return db.session.execute(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()


def page_arg(name: str = "page") -> int:
    """`?page=` from the URL (or `?<name>=`, for a page's other lists: `historik` for a record's history);
    anything odd means the first page."""
    return int_arg(name, 1, MAX_PAGE) or 1


def paginate(stmt: sa.Select, page: int, per_page: int = PER_PAGE, scalars: bool = True,
             total: int | None = None) -> Page:
    """At most two queries whatever the data: one page of rows and the count (unless `total` is known). A page
    past the end shows the last one.

    A first page that is not full is the whole list, so it needs no count: most records' histories and most
    filtered lists fit one page, and a count costs as much as the page."""
    page = max(page, 1)
    if total is None and page == 1:
        items = _rows(stmt, 0, per_page, scalars)
        if len(items) < per_page:
            return Page(items, len(items), 1, per_page)
        total = count_rows(stmt)
        return Page(items, total, 1, per_page)
    if total is None:
        total = count_rows(stmt)
    page = min(page, max(math.ceil(total / per_page), 1))
    return Page(_rows(stmt, (page - 1) * per_page, per_page, scalars), total, page, per_page)


def _rows(stmt: sa.Select, offset: int, limit: int, scalars: bool) -> list:
    result = db.session.execute(stmt.limit(limit).offset(offset))
    return list(result.scalars()) if scalars else list(result.all())
