"""Choosing one record among thousands in a form: search first, then pick from the matches.

A select with every control or requirement makes the page grow with the data (5,000 options is 250 KiB);
a small register still gets the plain select, a large one a search field that narrows it.
"""
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import request
from wtforms import SelectChoice, ValidationError

from register.core.forms import SelectField
from register.core.i18n import lazy_gettext as _l
from register.core.paging import count_rows
from register.core.params import MAX_ID
from register.extensions import db

SHOW_ALL_UP_TO = 100
MATCHES_SHOWN = 50
# A form's multiple choice (the requirements a finding or exercise concerns) lists every record up to this many
# (a fresh install has about 150 requirements); beyond it the form keeps the linked ones and the record's page
# searches for more, so the form stays small however large the catalogues grow.
CHOOSE_IN_FORM_UP_TO = 500


@dataclass
class Picker:
    param: str           # the query parameter holding the search text
    query: str
    total: int
    matches: int         # how many records the search matched (may exceed what is shown)
    choices: list[SelectChoice]

    @property
    def searching(self) -> bool:
        return self.total > SHOW_ALL_UP_TO

    @property
    def has_choices(self) -> bool:
        return len(self.choices) > 1


def containing(*columns) -> Callable[[str], sa.ColumnElement[bool]]:
    """A picker's search: any of these columns contains the query, in any case."""
    def matches(query: str) -> sa.ColumnElement[bool]:
        needle = query.lower()
        return sa.or_(*[sa.func.lower(col).contains(needle, autoescape=True) for col in columns])
    return matches


def picker(param: str, stmt: sa.Select, label: Callable[[sa.Row], str],
           condition: Callable[[str], sa.ColumnElement[bool]]) -> Picker:
    """`stmt` selects the records in display order, their id first; `condition(query)` is what a search keeps."""
    query = (request.args.get(param) or "").strip()[:200]
    total = count_rows(stmt)
    rows, matches = [], 0
    if query:
        stmt = stmt.where(condition(query))
        matches = count_rows(stmt)
        rows = db.session.execute(stmt.limit(MATCHES_SHOWN)).all()
    elif total <= SHOW_ALL_UP_TO:
        rows = db.session.execute(stmt).all()
    return Picker(param, query, total, matches, [SelectChoice("", "—")] + [
        SelectChoice(str(row[0]), label(row)) for row in rows])


class RecordField(SelectField):
    """A select whose offered choices are a subset; on submit any existing record of `model` is accepted."""

    def __init__(self, label=None, validators=None, model=None, **kwargs):
        super().__init__(label, validators, choices=[], validate_choice=False, **kwargs)
        self.model = model

    def pre_validate(self, form):
        if self.data in (None, ""):
            return  # DataRequired says what is missing
        try:
            key = int(self.data)
        except (TypeError, ValueError):
            raise ValidationError(_l("Ugyldigt valg.")) from None
        if not 1 <= key <= MAX_ID or db.session.get(self.model, key) is None:
            raise ValidationError(_l("Det valgte findes ikke (længere)."))
