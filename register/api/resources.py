"""Declarative API resources: one description gives the JSON list, the item, the CSV and the OpenAPI schema.

Each part of the register declares its resources here (see `register_resource`), so the documentation can
never drift from the responses.
"""
import datetime as dt
import enum
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from register.core.paging import count_rows
from register.extensions import db

JSON_TYPES = {"integer": {"type": "integer"}, "string": {"type": "string"}, "boolean": {"type": "boolean"},
              "number": {"type": "number"}, "date": {"type": "string", "format": "date"},
              "date-time": {"type": "string", "format": "date-time"}, "object": {"type": "object"},
              "array": {"type": "array", "items": {"type": "integer"}}}


class FilterError(ValueError):
    """A filter value that cannot be used; the message names the parameter."""


@dataclass
class Field:
    name: str
    header: str  # Danish column name for CSV
    type: str
    # Reads the value from a row; by default the row's attribute of the field's name (a plain row's label).
    get: Callable[[Any], Any] | None = None
    nullable: bool = True
    enum: list[str] | None = None
    description: str = ""

    def __post_init__(self):
        if self.get is None:
            self.get = operator.attrgetter(self.name)
        # The value's JSON form follows from the field's type, so it is chosen here once, not tested per value.
        # Other types are JSON as they are (a string enum is a str, written as its value).
        self.to_json = {"date": _date_json, "date-time": _datetime_json}.get(self.type)

    def schema(self) -> dict:
        schema = dict(JSON_TYPES[self.type])
        if self.enum:
            schema["enum"] = list(self.enum) + ([None] if self.nullable else [])
        if self.nullable:
            schema = {**schema, "type": [schema["type"], "null"]}
        if self.description:
            schema["description"] = self.description
        return schema


@dataclass
class Filter:
    name: str
    type: str  # integer, string, boolean, date
    apply: Callable[[sa.Select, Any], sa.Select] | None  # None for a report's parameters
    description: str
    enum: list[str] | None = None

    def parse(self, raw: str):
        try:
            if self.type == "integer":
                number = int(raw)
                if not 0 <= number <= 2**31 - 1:  # beyond what either database stores as a key
                    raise ValueError
                return number
            if self.type == "boolean":
                if raw.lower() not in ("true", "false", "1", "0"):
                    raise ValueError
                return raw.lower() in ("true", "1")
            if self.type == "date":
                return dt.date.fromisoformat(raw)
        except ValueError:
            raise FilterError(f"'{self.name}' skal være {self.type}: {raw[:50]!r}") from None
        if self.enum and raw not in self.enum:
            raise FilterError(f"'{self.name}' skal være en af {', '.join(self.enum)}")
        if len(raw) > 200:
            raise FilterError(f"'{self.name}' er for lang")
        return raw

    def schema(self) -> dict:
        schema = dict(JSON_TYPES[self.type])
        if self.enum:
            schema["enum"] = self.enum
        if self.type == "integer":
            schema.update(minimum=0, maximum=2**31 - 1)
        if self.type == "string":
            schema["maxLength"] = 200
        return schema


@dataclass
class Resource:
    name: str          # URL segment and OpenAPI tag
    title: str
    model: type
    # The base query: either ORM objects with eager loading, so lists run a fixed number of queries, or (with
    # `plain_rows`) exactly the columns the fields show, labelled by field name, read as plain rows.
    select: Callable[[], sa.Select]
    fields: list[Field]
    filters: list[Filter] = field(default_factory=list)
    plain_rows: bool = False

    def schema_name(self) -> str:
        return "".join(part.capitalize() for part in self.name.split("-"))

    def parse_filters(self, args) -> dict:
        known = {f.name: f for f in self.filters}
        return {name: known[name].parse(args[name]) for name in known if args.get(name) not in (None, "")}

    def statement(self, values: dict, stmt: sa.Select | None = None) -> sa.Select:
        """The resource's select, or `stmt`, with the filters: each is a condition on the model's rows."""
        stmt = self.select() if stmt is None else stmt
        for f in self.filters:
            if f.name in values:
                stmt = f.apply(stmt, values[f.name])
        return stmt.order_by(self.model.id)

    def _read(self, stmt: sa.Select):
        result = db.session.execute(stmt)
        return result if self.plain_rows else result.unique().scalars()

    def page(self, values: dict, page: int, per_page: int) -> tuple[list, int]:
        """One page of rows and the total; a page that is not full and not empty tells the total without a count."""
        stmt = self.statement(values)
        offset = (page - 1) * per_page
        rows = self._read(stmt.limit(per_page).offset(offset)).all()
        if len(rows) < per_page and (rows or page == 1):
            return rows, offset + len(rows)
        # Counted on the model's rows alone: the columns joined in for display do not change how many there are.
        return rows, count_rows(self.statement(values, sa.select(self.model.id)))

    def all(self, values: dict):
        return self._read(self.statement(values))

    def one(self, item_id: int):
        return self._read(self.select().where(self.model.id == item_id)).one_or_none()

    def to_json(self, row) -> dict:
        return self.json_rows([row])[0]

    def json_rows(self, rows) -> list[dict]:
        """The rows as JSON objects; each field's conversion was chosen from its type, once."""
        if not self.plain_rows:
            fields = [(f.name, f.get, f.to_json) for f in self.fields]
            return [{name: get(row) if convert is None else convert(get(row)) for name, get, convert in fields}
                    for row in rows]
        # A plain row holds exactly the fields, labelled by name: taken whole, only dates need converting.
        converted = [(f.name, f.to_json) for f in self.fields if f.to_json is not None]
        names = rows[0]._fields if rows else ()
        items = [dict(zip(names, row, strict=True)) for row in rows]
        for item in items:
            for name, convert in converted:
                item[name] = convert(item[name])
        return items

    def to_row(self, row) -> list:
        return [_csv_text(f.get(row) if f.to_json is None else f.to_json(f.get(row))) for f in self.fields]


@dataclass
class Report:
    """A computed figure set that is not a list of records: one JSON document and its CSV."""

    name: str          # URL segment and OpenAPI tag
    title: str
    description: str
    params: list[Filter]
    schema: dict                        # JSON schema of `data`
    components: dict                    # named schemas `schema` refers to (#/components/schemas/...)
    build: Callable[[dict], dict]       # parsed parameters -> `data`
    headers: list[str]                  # Danish CSV column names
    rows: Callable[[dict], list[list]]  # parsed parameters -> CSV rows

    def parse(self, args) -> dict:
        known = {f.name: f for f in self.params}
        return {name: known[name].parse(args[name]) for name in known if args.get(name) not in (None, "")}


def today() -> dt.date:
    """Today's calendar date in the municipality's time zone (what "overdue" is measured against)."""
    return dt.datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def enum_filter(name: str, column, enum_cls, description: str) -> Filter:
    return Filter(name, "string", lambda s, v: s.where(column == enum_cls(v)), description,
                  enum=[e.value for e in enum_cls])


def date_filters(prefix: str, column, what: str) -> list[Filter]:
    """`<prefix>_before` (strictly earlier) and `<prefix>_after` (on or after) for a date column."""
    return [Filter(f"{prefix}_before", "date", lambda s, v: s.where(column < v), f"{what} før denne dato"),
            Filter(f"{prefix}_after", "date", lambda s, v: s.where(column >= v), f"{what} på eller efter denne dato")]


def enum_values(enum_cls) -> list[str]:
    return [e.value for e in enum_cls]


def json_value(value):
    """Any value's JSON form, found from its type (a report's figures; a resource's fields know their type)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime):
        return _datetime_json(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _date_json(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _datetime_json(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def csv_value(value) -> str:
    return _csv_text(json_value(value))


def _csv_text(value) -> str:
    """A JSON value as CSV text for Danish Excel."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")  # Danish Excel reads a decimal comma
    if isinstance(value, (list, dict)):
        value = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    text = str(value)
    # A spreadsheet would run text starting with these as a formula (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
        return True
    except ValueError:
        return False


REGISTRY: dict[str, Resource] = {}
REPORTS: dict[str, Report] = {}


def register_resource(resource: Resource) -> Resource:
    REGISTRY[resource.name] = resource
    return resource


def register_report(report: Report) -> Report:
    REPORTS[report.name] = report
    return report
