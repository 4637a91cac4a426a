"""Risks: the municipality's scale and ratings, the filtered list, the heat map, links, reviews, acceptances."""
import datetime as dt
import functools
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app

from register.catalogs.models import Catalog, Requirement
from register.controls.models import Control
from register.core.dates import add_months, local_today
from register.core.enums import LabelledEnum
from register.core.i18n import gettext as _, lazy_gettext as _l
from register.core.paging import Page, paginate
from register.core.picker import Picker, containing, picker
from register.core.record_links import LinkKind, add_link
from register.extensions import db
from register.gap.models import Finding
from register.organisation.models import Unit
from register.requirements.links import ranked
from register.risks.models import (AcceptanceBody, Risk, RiskAcceptance, RiskControl, RiskFinding, RiskRequirement,
                                   RiskReview, RiskSource, RiskStatus, Treatment)


class RiskError(ValueError):
    """A refused change; the message is meant for the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- the scale and the rating ----------------------------------------------------------------------------

class Level(LabelledEnum):
    """A rating's band on the heat map; always shown as text beside its colour."""

    LOW = "low", _l("Lav"), "success"
    MEDIUM = "medium", _l("Middel"), "info"
    HIGH = "high", _l("Høj"), "warning"
    CRITICAL = "critical", _l("Kritisk"), "error"


# Upper bounds of each band as a share of the largest score (likelihood x consequence). On 5 x 5 they give
# the usual bands: 1-4 low, 5-9 medium, 10-16 high, 20-25 critical; any other scale is banded alike.
BAND_SHARES = ((Level.LOW, 0.16), (Level.MEDIUM, 0.36), (Level.HIGH, 0.64), (Level.CRITICAL, 1.0))


@dataclass(frozen=True)
class Scale:
    likelihood: tuple[str, ...]   # labels, lowest level first
    consequence: tuple[str, ...]

    @property
    def max_score(self) -> int:
        return len(self.likelihood) * len(self.consequence)

    def level(self, likelihood: int | None, consequence: int | None) -> Level | None:
        if not likelihood or not consequence:
            return None
        return _band(likelihood * consequence, len(self.likelihood) * len(self.consequence))

    def score_range(self, level: Level) -> tuple[int, int]:
        """The scores (likelihood x consequence) of a band, inclusive."""
        lower = 0.0
        for band, bound in BAND_SHARES:
            if band == level:
                low = int(lower * self.max_score + 1e-9) + 1
                return low, int(bound * self.max_score + 1e-9)
            lower = bound
        raise ValueError(level)

    def likelihood_label(self, value: int | None) -> str:
        return _label(self.likelihood, value)

    def consequence_label(self, value: int | None) -> str:
        return _label(self.consequence, value)


@functools.lru_cache(maxsize=1024)
def _band(score: int, max_score: int) -> Level:
    """A score's band (a list asks for two per row: worked out once per score and scale)."""
    share = score / max_score
    return next((level for level, bound in BAND_SHARES if share <= bound + 1e-9), Level.CRITICAL)


def _label(labels: tuple[str, ...], value: int | None) -> str:
    if not value:
        return "–"
    name = labels[value - 1] if value <= len(labels) else ""
    return f"{value} {name}".strip()


def scale() -> Scale:
    """The municipality's scale (settings RISK_LIKELIHOOD_LABELS and RISK_CONSEQUENCE_LABELS)."""
    config = current_app.config
    return Scale(tuple(config["RISK_LIKELIHOOD_LABELS"]), tuple(config["RISK_CONSEQUENCE_LABELS"]))


def current(risk) -> tuple[int, int]:
    """The rating that applies now: the residual one once assessed, else the inherent one (untreated)."""
    if risk.residual_likelihood and risk.residual_consequence:
        return risk.residual_likelihood, risk.residual_consequence
    return risk.inherent_likelihood, risk.inherent_consequence


# Columns of the same rule, for queries: an untreated risk's residual rating is its inherent one.
CURRENT_LIKELIHOOD = sa.func.coalesce(Risk.residual_likelihood, Risk.inherent_likelihood)
CURRENT_CONSEQUENCE = sa.func.coalesce(Risk.residual_consequence, Risk.inherent_consequence)


# --- the list ----------------------------------------------------------------------------------------------

@dataclass
class RiskFilter:
    source: str = ""
    status: str = "open"      # "" for all
    unit_id: int | None = None
    treatment: str = ""
    level: str = ""
    likelihood: int | None = None   # a heat-map cell
    consequence: int | None = None
    q: str = ""

    def args(self) -> dict:
        values = {"source": self.source, "status": self.status or "alle", "unit": self.unit_id,
                  "treatment": self.treatment, "level": self.level, "l": self.likelihood, "c": self.consequence,
                  "q": self.q}
        return {k: v for k, v in values.items() if v}

    def where(self, stmt: sa.Select, the_scale: Scale, cell: bool = True) -> sa.Select:
        if self.source in {s.value for s in RiskSource}:
            stmt = stmt.where(Risk.source == RiskSource(self.source))
        if self.status in {s.value for s in RiskStatus}:
            stmt = stmt.where(Risk.status == RiskStatus(self.status))
        if self.unit_id:
            stmt = stmt.where(Risk.owner_unit_id == self.unit_id)
        if self.treatment == "none":
            stmt = stmt.where(Risk.treatment.is_(None))
        elif self.treatment in {t.value for t in Treatment}:
            stmt = stmt.where(Risk.treatment == Treatment(self.treatment))
        if self.level in {lv.value for lv in Level}:
            low, high = the_scale.score_range(Level(self.level))
            stmt = stmt.where((CURRENT_LIKELIHOOD * CURRENT_CONSEQUENCE).between(low, high))
        if cell and self.likelihood:
            stmt = stmt.where(CURRENT_LIKELIHOOD == self.likelihood)
        if cell and self.consequence:
            stmt = stmt.where(CURRENT_CONSEQUENCE == self.consequence)
        if self.q:
            needle = self.q.lower()
            stmt = stmt.where(sa.or_(sa.func.lower(Risk.title).contains(needle, autoescape=True),
                                     sa.func.lower(sa.func.coalesce(Risk.description, "")).contains(
                                         needle, autoescape=True)))
        return stmt


_ROW_COLUMNS = (Risk.id, Risk.title, Risk.source, Risk.status, Risk.owner_unit_id, Risk.inherent_likelihood,
                Risk.inherent_consequence, Risk.residual_likelihood, Risk.residual_consequence, Risk.treatment,
                Risk.next_review_on, Unit.name.label("unit_name"))


@dataclass
class RiskRow:
    risk: sa.Row          # plain columns and the unit's name
    inherent: Level
    current: Level        # the residual rating's band, or the inherent one while the residual is not assessed
    review_overdue: bool


def list_risks(f: RiskFilter, page: int, today: dt.date) -> Page:
    """One page of risks in title order, as plain rows with their unit's name and their bands worked out here
    rather than in the template: two queries whatever the data."""
    the_scale = scale()
    stmt = f.where(sa.select(*_ROW_COLUMNS).join(Unit, Unit.id == Risk.owner_unit_id), the_scale)
    result = paginate(stmt.order_by(Risk.title, Risk.id), page, scalars=False)
    result.items = [RiskRow(row, the_scale.level(row.inherent_likelihood, row.inherent_consequence),
                            the_scale.level(*current(row)), review_overdue(row, today)) for row in result.items]
    return result


def all_risks(f: RiskFilter) -> list:
    """Every risk the filter keeps, for the exports (one query)."""
    stmt = f.where(sa.select(*_ROW_COLUMNS, Risk.description, Risk.treatment_note, Risk.last_reviewed_on)
                   .join(Unit, Unit.id == Risk.owner_unit_id), scale())
    return db.session.execute(stmt.order_by(Risk.title, Risk.id)).all()


# --- the heat map ------------------------------------------------------------------------------------------

@dataclass
class HeatCell:
    likelihood: int
    consequence: int
    count: int
    level: Level
    url: str = ""  # the list of the cell's risks, when the page links them


@dataclass
class HeatMap:
    """Counts of risks per likelihood (rows, highest first) and consequence (columns, lowest first)."""

    scale: Scale
    rows: list[list[HeatCell]]
    outside: int = 0  # risks rated beyond the scale (after the setting was narrowed)

    @property
    def row_labels(self) -> list[str]:
        return [self.scale.likelihood_label(row[0].likelihood) for row in self.rows]

    @property
    def column_labels(self) -> list[str]:
        return [self.scale.consequence_label(n) for n in range(1, len(self.scale.consequence) + 1)]

    @property
    def total(self) -> int:
        return sum(cell.count for row in self.rows for cell in row) + self.outside


def heat_map_from(counts: dict[tuple[int, int], int], the_scale: Scale) -> HeatMap:
    rows = [[HeatCell(lk, cq, counts.get((lk, cq), 0), the_scale.level(lk, cq))
             for cq in range(1, len(the_scale.consequence) + 1)]
            for lk in range(len(the_scale.likelihood), 0, -1)]
    inside = {(c.likelihood, c.consequence) for row in rows for c in row}
    return HeatMap(the_scale, rows, sum(n for key, n in counts.items() if key not in inside))


def heat_map(f: RiskFilter, basis: str = "residual") -> HeatMap:
    """The risks the filter keeps (all cells), counted per rating in one grouped query."""
    the_scale = scale()
    lk, cq = ((Risk.inherent_likelihood, Risk.inherent_consequence) if basis == "inherent"
              else (CURRENT_LIKELIHOOD, CURRENT_CONSEQUENCE))
    stmt = f.where(sa.select(lk, cq, sa.func.count(Risk.id)), the_scale, cell=False).group_by(lk, cq)
    return heat_map_from({(row[0], row[1]): row[2] for row in db.session.execute(stmt)}, the_scale)


# --- one risk ------------------------------------------------------------------------------------------------

def check_rating(values: dict, the_scale: Scale) -> None:
    """Likelihood and consequence within the scale; a residual rating has both halves or neither."""
    for prefix in ("inherent", "residual"):
        lk, cq = values.get(f"{prefix}_likelihood"), values.get(f"{prefix}_consequence")
        if prefix == "inherent" and (not lk or not cq):
            raise RiskError(_("Angiv sandsynlighed og konsekvens for den iboende risiko."), "inherent_likelihood")
        if bool(lk) != bool(cq):
            raise RiskError(_("Angiv både sandsynlighed og konsekvens for restrisikoen, eller ingen af dem."),
                            "residual_likelihood")
        if lk and not 1 <= lk <= len(the_scale.likelihood):
            raise RiskError(_("Sandsynligheden skal ligge mellem 1 og %(n)d.", n=len(the_scale.likelihood)),
                            f"{prefix}_likelihood")
        if cq and not 1 <= cq <= len(the_scale.consequence):
            raise RiskError(_("Konsekvensen skal ligge mellem 1 og %(n)d.", n=len(the_scale.consequence)),
                            f"{prefix}_consequence")


def save_risk(risk: Risk, values: dict) -> Risk:
    """Create or change a risk (flushes)."""
    check_rating(values, scale())
    if db.session.get(Unit, values["owner_unit_id"]) is None:
        raise RiskError(_("Den valgte enhed findes ikke."), "owner_unit_id")
    for key, value in values.items():
        setattr(risk, key, value.strip() or None if isinstance(value, str) and key != "title" else value)
    risk.title = values["title"].strip()
    if risk.id is None:
        db.session.add(risk)
    db.session.flush()
    return risk


@dataclass
class RiskLinks:
    controls: list     # (RiskControl, Control)
    findings: list     # (RiskFinding, Finding)
    requirements: list  # (RiskRequirement, Requirement, catalogue code)


def links_of(risk_id: int) -> RiskLinks:
    """What the risk is linked to: three small queries (its suppliers are the suppliers' section of the page)."""
    controls = db.session.execute(sa.select(RiskControl, Control).join(Control, Control.id == RiskControl.control_id)
                                  .where(RiskControl.risk_id == risk_id).order_by(Control.title)).all()
    findings = db.session.execute(sa.select(RiskFinding, Finding).join(Finding, Finding.id == RiskFinding.finding_id)
                                  .where(RiskFinding.risk_id == risk_id).order_by(Finding.title)).all()
    requirements = db.session.execute(
        sa.select(RiskRequirement, Requirement, Catalog.code)
        .join(Requirement, Requirement.id == RiskRequirement.requirement_id)
        .join(Catalog, Catalog.id == Requirement.catalog_id)
        .where(RiskRequirement.risk_id == risk_id).order_by(Catalog.sort_order, Requirement.position)).all()
    return RiskLinks(controls, findings, requirements)


# The kinds of record a risk links to, by URL segment.
LINK_KINDS = {
    "tiltag": LinkKind(RiskControl, "control_id", Control),
    "fund": LinkKind(RiskFinding, "finding_id", Finding),
    "krav": LinkKind(RiskRequirement, "requirement_id", Requirement),
}


def link(risk: Risk, kind: str, target_id: int, note: str | None) -> object:
    """Link the risk to a control, finding or requirement (flushes); a second link to the same is refused."""
    return add_link(risk, "risk_id", LINK_KINDS[kind], target_id, note,
                    _("Risikoen er allerede knyttet til det valgte."), RiskError)


def risks_linked(requirement_id: sa.ColumnElement[int]) -> sa.Select:
    """Risks linked to one requirement, in title order (requirements.links)."""
    return (sa.select(*ranked(Risk.id, Risk.title, Risk.id))
            .join(RiskRequirement, RiskRequirement.risk_id == Risk.id)
            .where(RiskRequirement.requirement_id == requirement_id))


def finding_picker() -> Picker:
    """Findings on the action plan to link, searchable when there are many (`?fund_soeg=`)."""
    return picker("fund_soeg", sa.select(Finding.id, Finding.title).order_by(Finding.title, Finding.id),
                  lambda row: row.title, containing(Finding.title))


def reviews_of(risk_id: int) -> list[RiskReview]:
    return list(db.session.execute(sa.select(RiskReview).where(RiskReview.risk_id == risk_id)
                                   .order_by(RiskReview.reviewed_on.desc(), RiskReview.id.desc())).scalars())


def acceptances_of(risk_id: int) -> list[RiskAcceptance]:
    return list(db.session.execute(sa.select(RiskAcceptance).where(RiskAcceptance.risk_id == risk_id)
                                   .order_by(RiskAcceptance.decided_on.desc(), RiskAcceptance.id.desc())).scalars())


def review_months() -> int:
    return int(current_app.config.get("RISK_REVIEW_MONTHS", 12))


def record_review(risk: Risk, reviewed_on: dt.date, reviewed_by: str, note: str | None,
                  next_review_on: dt.date | None, today: dt.date | None = None) -> RiskReview:
    """Record that the risk was reviewed; the risk's last and next review follow (flushes)."""
    today = today or local_today()
    if reviewed_on > today:
        raise RiskError(_("Gennemgangen kan ikke ligge i fremtiden."), "reviewed_on")
    next_review_on = next_review_on or add_months(reviewed_on, review_months())
    if next_review_on <= reviewed_on:
        raise RiskError(_("Næste gennemgang skal ligge efter denne."), "next_review_on")
    residual = current(risk)
    review = RiskReview(risk_id=risk.id, reviewed_on=reviewed_on, reviewed_by=reviewed_by.strip(),
                        note=(note or "").strip() or None, residual_likelihood=residual[0],
                        residual_consequence=residual[1], next_review_on=next_review_on)
    db.session.add(review)
    if risk.last_reviewed_on is None or reviewed_on >= risk.last_reviewed_on:
        risk.last_reviewed_on = reviewed_on
        risk.next_review_on = next_review_on
    db.session.flush()
    return review


def record_acceptance(risk: Risk, body: AcceptanceBody, body_name: str, decided_on: dt.date,
                      reference: str | None, valid_until: dt.date | None, note: str | None,
                      today: dt.date | None = None) -> RiskAcceptance:
    """Record a named body's acceptance of the risk at its current rating (flushes)."""
    today = today or local_today()
    if decided_on > today:
        raise RiskError(_("Beslutningen kan ikke ligge i fremtiden."), "decided_on")
    if valid_until is not None and valid_until <= decided_on:
        raise RiskError(_("Accepten skal gælde til en dato efter beslutningen."), "valid_until")
    if not body_name.strip():
        raise RiskError(_("Angiv navnet på det organ, der accepterede risikoen."), "body_name")
    likelihood, consequence = current(risk)
    acceptance = RiskAcceptance(risk_id=risk.id, body=body, body_name=body_name.strip(), decided_on=decided_on,
                                reference=(reference or "").strip() or None, likelihood=likelihood,
                                consequence=consequence, valid_until=valid_until, note=(note or "").strip() or None)
    db.session.add(acceptance)
    risk.version += 1
    db.session.flush()
    return acceptance


class AcceptanceState(LabelledEnum):
    NOT_NEEDED = "not_needed", _l("Ikke accepteret"), "neutral"
    MISSING = "missing", _l("Afventer accept"), "warning"
    VALID = "valid", _l("Accepteret"), "success"
    OUTDATED = "outdated", _l("Accepten gælder ikke længere"), "error"


def acceptance_state(risk, acceptances: list, today: dt.date) -> AcceptanceState:
    """Whether the risk is accepted: by the newest acceptance, at the rating it has now, and not expired.

    A risk whose treatment is to accept it waits for a named body's acceptance."""
    latest = acceptances[0] if acceptances else None
    if latest is None:
        return AcceptanceState.MISSING if risk.treatment == Treatment.ACCEPT else AcceptanceState.NOT_NEEDED
    expired = latest.valid_until is not None and latest.valid_until < today
    if expired or (latest.likelihood, latest.consequence) != current(risk):
        return AcceptanceState.OUTDATED
    return AcceptanceState.VALID


def review_overdue(risk, today: dt.date) -> bool:
    return risk.status == RiskStatus.OPEN and risk.next_review_on is not None and risk.next_review_on < today
