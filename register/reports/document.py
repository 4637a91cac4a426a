"""The report as plain data: sections of blocks that both the PDF and the HTML page render.

Keeping one document model means the accessible HTML version can never say something the PDF does not.
"""
import datetime as dt
from dataclasses import dataclass, field


@dataclass
class Para:
    text: str
    kind: str = "body"  # body, lead, note, warning


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Figure:
    label: str
    value: str
    note: str = ""
    tone: str = "neutral"  # success, warning, error, neutral: always paired with text


@dataclass
class Figures:
    items: list[Figure]


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    caption: str = ""
    widths: list[float] | None = None  # relative widths
    numeric: set[int] = field(default_factory=set)  # right-aligned column indexes
    empty: str = "Ingen."


@dataclass
class Series:
    name: str
    values: list[float]


@dataclass
class BarChart:
    title: str
    categories: list[str]
    series: list[Series]
    value_max: float
    unit: str = ""
    stacked: bool = False
    description: str = ""  # the chart's content in words, for the HTML version and screen readers


@dataclass
class HeatCell:
    count: int
    level: str  # the band in words ("Kritisk"): printed in the cell, never the colour alone
    tone: str   # success, info, warning, error


@dataclass
class HeatMap:
    """A risk matrix: counts per likelihood (rows, highest first) and consequence (columns, lowest first)."""

    title: str
    row_title: str
    column_title: str
    rows: list[str]
    columns: list[str]
    cells: list[list[HeatCell]]
    description: str = ""  # the matrix in words, for the HTML version and screen readers


@dataclass
class Section:
    title: str
    blocks: list = field(default_factory=list)
    level: int = 1
    page_break: bool = True


@dataclass
class Report:
    municipality: str
    title: str
    year: int
    as_of: dt.date
    generated_at: dt.datetime
    version: str
    sections: list[Section]
    registered_on: dt.date | None = None  # the audit view: the register as it stood at the end of this day

    @property
    def basis(self) -> str:
        """One line for the cover and the page foot: which of the two questions the report answers."""
        if self.registered_on is not None:
            return f"Revisionsvisning: registret som det så ud {self.registered_on.strftime('%d.%m.%Y')}"
        return "Årets tal efter registreringernes egne datoer"

    @property
    def filename(self) -> str:
        audit = f"-registret-{self.registered_on.isoformat()}" if self.registered_on else ""
        return f"statusrapport-{self.year}-pr-{self.as_of.isoformat()}{audit}.pdf"
