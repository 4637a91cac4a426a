"""Paging in the database: the page's rows, the total, and no count when the first page holds everything."""
import pytest
import sqlalchemy as sa

from register.core.paging import paginate
from register.organisation.models import Unit


@pytest.fixture
def units(app, make_unit):
    def make(n):
        for i in range(n):
            make_unit(name=f"Paging {i:02d}")
    return make


def _page(app, count_queries, page, per_page=5):
    with app.test_request_context(), count_queries() as counter:
        result = paginate(sa.select(Unit.name).where(Unit.name.like("Paging %")).order_by(Unit.name), page, per_page)
        names = list(result.items)
    return result, names, counter.count


def test_a_list_that_fits_the_first_page_is_read_without_a_count(app, units, count_queries):
    units(3)
    result, names, statements = _page(app, count_queries, 1)
    assert names == ["Paging 00", "Paging 01", "Paging 02"]
    assert (result.total, result.pages, result.first_number, result.last_number) == (3, 1, 1, 3)
    assert statements == 1


@pytest.mark.parametrize("rows", [5, 7])
def test_a_full_first_page_is_counted(app, units, count_queries, rows):
    units(rows)  # exactly one page, or more: only a count can tell
    result, names, statements = _page(app, count_queries, 1)
    assert names == [f"Paging {i:02d}" for i in range(5)]
    assert (result.total, result.pages) == (rows, 1 if rows == 5 else 2)
    assert statements == 2


def test_later_pages_and_pages_past_the_end(app, units, count_queries):
    units(7)
    result, names, _ = _page(app, count_queries, 2)
    assert names == ["Paging 05", "Paging 06"] and (result.page, result.first_number, result.last_number) == (2, 6, 7)
    result, names, _ = _page(app, count_queries, 40)  # past the end: the last page
    assert result.page == 2 and names == ["Paging 05", "Paging 06"]
    result, names, _ = _page(app, count_queries, 0)  # before the start: the first
    assert result.page == 1 and len(names) == 5


def test_an_empty_list_is_one_empty_page(app, count_queries):
    result, names, statements = _page(app, count_queries, 3)
    assert names == [] and (result.total, result.page, result.pages, result.first_number) == (0, 1, 1, 0)
    assert statements == 2  # a later page asked for: counted, then the (empty) first page
