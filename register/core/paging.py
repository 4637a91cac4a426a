"""Paging long lists in the database, so a page's cost does not grow with the data."""
import math
from collections.abc import Callable
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


def paged(rows: Callable[[int, int], list], count: Callable[[], int], page: int, per_page: int = PER_PAGE,
          total: int | None = None) -> Page:
    """One page from any source that reads `rows(offset, limit)` and can `count()` (unless `total` is known):
    at most those two queries, whatever the data. A page past the end shows the last one.

    A first page that is not full is the whole list, so it needs no count: most records' histories and most
    filtered lists fit one page, and a count costs as much as the page."""
    page = max(page, 1)
    if total is None and page == 1:
        items = rows(0, per_page)
        return Page(items, len(items) if len(items) < per_page else count(), 1, per_page)
    if total is None:
        total = count()
    page = min(page, max(math.ceil(total / per_page), 1))
    return Page(rows((page - 1) * per_page, per_page), total, page, per_page)


def paginate(stmt: sa.Select, page: int, per_page: int = PER_PAGE, scalars: bool = True,
             total: int | None = None) -> Page:
    """A page of `stmt`'s rows (ORM objects if `scalars`), as `paged`."""
    def rows(offset: int, limit: int) -> list:
        result = db.session.execute(stmt.limit(limit).offset(offset))
        return list(result.scalars()) if scalars else list(result.all())

    return paged(rows, lambda: count_rows(stmt), page, per_page, total)
