"""Training coverage: staff campaigns per unit, management training status, approvals by management."""
import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from register.core.dates import add_months, local_today
from register.core.enums import LabelledEnum
from register.core.i18n import gettext as _, lazy_gettext as _l
from register.extensions import db
from register.organisation.models import Unit
from register.training.models import (Approval, ApprovalRule, Campaign, CampaignUnit, ManagementBody,
                                      ManagementScope, Trainee, TrainingRecord, TrainingSettings)

# NIS2 Art. 20(2) and NIS 2-loven § 7, stk. 2 require management to follow training but set no interval;
# the refresh interval is the municipality's own choice (TrainingSettings.validity_months; before the settings
# are first saved, the MANAGEMENT_TRAINING_REFRESH_MONTHS config value or 24).
DEFAULT_REFRESH_MONTHS = 24
DEFAULT_DUE_WINDOW_MONTHS = 3  # "due" this many months before the training lapses


class TrainingError(ValueError):
    """A change that would make a training record wrong; the message is meant for the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


DEFAULT_VALIDITY_NOTE = _l("Kommunens egen regel: loven fastsætter ikke, hvor længe uddannelse gælder.")
DEFAULT_APPROVAL_NOTE = _l("Loven siger „ledelsesorganerne“ og overlader det til kommunen at fastlægge, hvem der "
                           "godkender foranstaltningerne.")


def settings() -> TrainingSettings:
    """The one settings row; before the first save, one with the defaults that is stored only when saved."""
    row = db.session.execute(sa.select(TrainingSettings).order_by(TrainingSettings.id).limit(1)).scalar()
    if row is None:
        row = TrainingSettings(approval_rule=ApprovalRule.NONE, approval_note=str(DEFAULT_APPROVAL_NOTE),
                               management_scope=ManagementScope.BOTH, validity_months=_configured_months(),
                               validity_note=str(DEFAULT_VALIDITY_NOTE))
    return row


def _configured_months() -> int:
    return int(current_app.config.get("MANAGEMENT_TRAINING_REFRESH_MONTHS", DEFAULT_REFRESH_MONTHS))


def refresh_months() -> int:
    """How long training counts as valid: the municipality's setting."""
    months = db.session.execute(sa.select(TrainingSettings.validity_months).order_by(TrainingSettings.id)
                                .limit(1)).scalar()
    return months if months is not None else _configured_months()


def due_window_months() -> int:
    return int(current_app.config.get("MANAGEMENT_TRAINING_DUE_WINDOW_MONTHS", DEFAULT_DUE_WINDOW_MONTHS))


# --- staff campaigns ---------------------------------------------------------------------------------------

def coverage(completed: int, targeted: int) -> float | None:
    """Share of targeted staff who completed, 0..1; None when nobody was targeted."""
    return completed / targeted if targeted else None


@dataclass
class CampaignRow:
    campaign: Campaign | None
    units: int
    targeted: int
    completed: int

    @property
    def coverage(self) -> float | None:
        return coverage(self.completed, self.targeted)


def campaign_rows() -> list[CampaignRow]:
    """Every campaign with its overall figures, newest first (one aggregate query)."""
    stmt = (sa.select(Campaign, sa.func.count(CampaignUnit.id),
                      sa.func.coalesce(sa.func.sum(CampaignUnit.staff_targeted), 0),
                      sa.func.coalesce(sa.func.sum(CampaignUnit.staff_completed), 0))
            .outerjoin(CampaignUnit, CampaignUnit.campaign_id == Campaign.id)
            .group_by(Campaign.id).order_by(Campaign.held_on.desc(), Campaign.id.desc()))
    return [CampaignRow(c, n, int(t), int(d)) for c, n, t, d in db.session.execute(stmt).all()]


def participations(campaign: Campaign) -> list[CampaignUnit]:
    return list(db.session.execute(
        sa.select(CampaignUnit).join(CampaignUnit.unit).where(CampaignUnit.campaign_id == campaign.id)
        .options(contains_eager(CampaignUnit.unit)).order_by(Unit.name)).scalars())


def campaign_totals(rows: list[CampaignUnit]) -> CampaignRow:
    """The campaign's overall figures from its unit rows."""
    return CampaignRow(None, len(rows), sum(r.staff_targeted for r in rows), sum(r.staff_completed for r in rows))


def save_campaign(campaign: Campaign, title: str, kind, held_on: dt.date, description: str | None) -> Campaign:
    campaign.title = title.strip()
    campaign.kind = kind
    campaign.held_on = held_on
    campaign.description = (description or "").strip() or None
    if campaign.id is None:
        db.session.add(campaign)
    db.session.flush()
    return campaign


def save_participation(row: CampaignUnit, unit_id: int, targeted: int, completed: int) -> CampaignUnit:
    if completed > targeted:
        raise TrainingError(_("Der kan ikke være flere gennemførte end målgruppen."), "staff_completed")
    if row.unit_id != unit_id:
        taken = db.session.execute(sa.select(CampaignUnit.id).where(
            CampaignUnit.campaign_id == row.campaign_id, CampaignUnit.unit_id == unit_id)).first()
        if taken:
            raise TrainingError(_("Enheden er allerede med i kampagnen."), "unit_id")
    row.unit_id = unit_id
    row.staff_targeted = targeted
    row.staff_completed = completed
    if row.id is None:
        db.session.add(row)
    db.session.flush()
    return row


# --- management training -----------------------------------------------------------------------------------

class TrainingStatus(LabelledEnum):
    TRAINED = "trained", _l("Uddannet"), "success"
    DUE = "due", _l("Skal genopfriskes snart"), "warning"
    LAPSED = "lapsed", _l("Udløbet"), "error"
    UNTRAINED = "untrained", _l("Ikke uddannet"), "error"


def training_status(last_completed: dt.date | None, today: dt.date, refresh: int, due_window: int
                    ) -> tuple[TrainingStatus, dt.date | None]:
    """(status, valid until): training is valid through the day `refresh` months after it was completed."""
    if last_completed is None:
        return TrainingStatus.UNTRAINED, None
    valid_until = add_months(last_completed, refresh)
    if today > valid_until:
        return TrainingStatus.LAPSED, valid_until
    if today >= add_months(valid_until, -due_window):
        return TrainingStatus.DUE, valid_until
    return TrainingStatus.TRAINED, valid_until


@dataclass
class TraineeRow:
    trainee: Trainee
    last: TrainingRecord | None
    status: TrainingStatus
    valid_until: dt.date | None


@dataclass
class Coverage:
    """Counts of active trainees by status; trained + due are currently covered."""

    total: int = 0
    counts: dict = field(default_factory=lambda: {s: 0 for s in TrainingStatus})

    def add(self, status: TrainingStatus) -> None:
        self.total += 1
        self.counts[status] += 1

    @property
    def covered(self) -> int:
        return self.counts[TrainingStatus.TRAINED] + self.counts[TrainingStatus.DUE]

    @property
    def share(self) -> float | None:
        return self.covered / self.total if self.total else None


def trainee_rows(today: dt.date | None = None, include_inactive: bool = False) -> list[TraineeRow]:
    """Trainees with their latest course and status, by body then name (two queries whatever the count)."""
    today = today or local_today()
    stmt = (sa.select(Trainee).options(joinedload(Trainee.unit), selectinload(Trainee.courses))
            .order_by(Trainee.body, Trainee.name))
    if not include_inactive:
        stmt = stmt.where(Trainee.active.is_(True))
    refresh, window = refresh_months(), due_window_months()
    rows = []
    for trainee in db.session.execute(stmt).unique().scalars():
        last = trainee.courses[0] if trainee.courses else None
        status, valid_until = training_status(last.completed_on if last else None, today, refresh, window)
        rows.append(TraineeRow(trainee, last, status, valid_until))
    return rows


def management_coverage(rows: list[TraineeRow], counted=tuple(ManagementBody)
                        ) -> tuple[Coverage, dict[ManagementBody, Coverage]]:
    """Per-body coverage of active trainees, and overall for the bodies `counted` as the management body."""
    overall, by_body = Coverage(), {body: Coverage() for body in ManagementBody}
    for row in rows:
        if row.trainee.active:
            if row.trainee.body in counted:
                overall.add(row.status)
            by_body[row.trainee.body].add(row.status)
    return overall, by_body


def get_trainee(trainee_id: int) -> Trainee | None:
    return db.session.execute(sa.select(Trainee).where(Trainee.id == trainee_id)
                              .options(joinedload(Trainee.unit), selectinload(Trainee.courses))).unique() \
        .scalar_one_or_none()


def save_trainee(trainee: Trainee, name: str, role_title: str | None, body: ManagementBody, unit_id: int | None,
                 active: bool) -> Trainee:
    trainee.name = name.strip()
    trainee.role_title = (role_title or "").strip() or None
    trainee.body = body
    trainee.unit_id = unit_id
    trainee.active = active
    if trainee.id is None:
        db.session.add(trainee)
    db.session.flush()
    return trainee


def save_record(record: TrainingRecord, course: str, provider: str | None, completed_on: dt.date,
                note: str | None) -> TrainingRecord:
    if completed_on > local_today():
        raise TrainingError(_("Datoen ligger i fremtiden. Registrer kurset, når det er gennemført."), "completed_on")
    record.course = course.strip()
    record.provider = (provider or "").strip() or None
    record.completed_on = completed_on
    record.note = (note or "").strip() or None
    if record.id is None:
        db.session.add(record)
    db.session.flush()
    return record


# --- approvals ---------------------------------------------------------------------------------------------

def approvals() -> list[Approval]:
    return list(db.session.execute(sa.select(Approval).order_by(Approval.approved_on.desc(), Approval.id.desc()))
                .scalars())


def save_approval(approval: Approval, approved_on: dt.date, body, reference: str, subject: str,
                  note: str | None) -> Approval:
    approval.approved_on = approved_on
    approval.body = body
    approval.reference = reference.strip()
    approval.subject = subject.strip()
    approval.note = (note or "").strip() or None
    if approval.id is None:
        db.session.add(approval)
    db.session.flush()
    return approval


# --- start page --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UncoveredTrainee:
    """A start-page line. Kept between requests until the data or the day changes, so plain values only."""

    id: int
    name: str
    role_title: str | None
    body: ManagementBody
    status: TrainingStatus
    valid_until: dt.date | None


def _uncovered(today: dt.date) -> tuple[UncoveredTrainee, ...]:
    rows = [r for r in trainee_rows(today) if r.status in (TrainingStatus.LAPSED, TrainingStatus.UNTRAINED)]
    rows.sort(key=lambda r: (r.status != TrainingStatus.LAPSED, r.valid_until or dt.date.min, r.trainee.name))
    return tuple(UncoveredTrainee(r.trainee.id, r.trainee.name, r.trainee.role_title, r.trainee.body, r.status,
                                  r.valid_until) for r in rows)


def home_panel() -> dict | None:
    """Members of management whose training has lapsed or who have none; hidden when everyone is covered."""
    today = local_today()
    rows = _uncovered(today)
    if not rows:
        return None
    return {"rows": rows[:8], "total": len(rows)}
