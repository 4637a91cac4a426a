"""The preparedness register: plans and their revision timeline, sub-plans, exercises, the annual wheel.

Legal frame: beredskabsloven § 25 (the plan is adopted by the council in a meeting, revised at least once
in every council term and submitted to Beredskabsstyrelsen) and sundhedsloven § 210 (the health
preparedness plan, adopted once per council term after advice from Sundhedsstyrelsen).
"""
import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from register.core.db import UTCDateTime, enum_column, utcnow
from register.core.enums import LabelledEnum
from register.core.history import Tracked
from register.core.i18n import lazy_gettext as _l
from register.extensions import db


class LegalBasis(LabelledEnum):
    BEREDSKABSLOVEN_25 = "beredskabsloven_25", _l("Beredskabsloven § 25")
    SUNDHEDSLOVEN_210 = "sundhedsloven_210", _l("Sundhedsloven § 210")
    OTHER = "other", _l("Andet grundlag")

    @property
    def rule(self) -> str:
        """What the law asks of a plan on this basis, in one sentence."""
        return str({
            "beredskabsloven_25": _l("Vedtages af kommunalbestyrelsen i et møde, revideres mindst én gang i hver "
                                     "valgperiode og indsendes til Beredskabsstyrelsen (§ 25, stk. 1, 3 og 4)."),
            "sundhedsloven_210": _l("Vedtages én gang i hver valgperiode efter rådgivning fra Sundhedsstyrelsen."),
            "other": "",
        }[self.value])


class PlanStatus(LabelledEnum):
    DRAFT = "draft", _l("Udkast"), "neutral"
    CONSULTATION = "consultation", _l("I høring"), "info"
    APPROVED = "approved", _l("Godkendt"), "success"
    IN_FORCE = "in_force", _l("Gældende"), "success"
    SUPERSEDED = "superseded", _l("Afløst"), "neutral"

    @property
    def adopted(self) -> bool:
        return self in (PlanStatus.APPROVED, PlanStatus.IN_FORCE, PlanStatus.SUPERSEDED)


class ResponsibleBody(LabelledEnum):
    """Bodies outside the unit tree that own milestones of a revision."""

    DIREKTIONEN = "direktionen", _l("Direktionen")
    KOMMUNALBESTYRELSEN = "kommunalbestyrelsen", _l("Kommunalbestyrelsen")
    BEREDSKABSSTYRELSEN = "beredskabsstyrelsen", _l("Beredskabsstyrelsen")
    BRAND_OG_REDNING = "brand_og_redning", _l("Brand og redning")
    ARBEJDSGRUPPEN = "arbejdsgruppen", _l("Arbejdsgruppen for beredskab")
    SUNDHEDSSTYRELSEN = "sundhedsstyrelsen", _l("Sundhedsstyrelsen")
    IT_STYREGRUPPEN = "it_styregruppen", _l("IT-sikkerhedsstyregruppen")


class MilestoneStatus(LabelledEnum):
    PLANNED = "planned", _l("Planlagt"), "neutral"
    IN_PROGRESS = "in_progress", _l("I gang"), "info"
    DONE = "done", _l("Gennemført"), "success"
    CANCELLED = "cancelled", _l("Udgået"), "neutral"

    @property
    def closed(self) -> bool:
        return self in (MilestoneStatus.DONE, MilestoneStatus.CANCELLED)


class SubPlanKind(LabelledEnum):
    DELPLAN = "delplan", _l("Delplan")
    INDSATSPLAN = "indsatsplan", _l("Indsatsplan")


class ExerciseType(LabelledEnum):
    """Beredskabsstyrelsen's current exercise types (brs.dk, "Øvelser", 2022)."""

    PROCEDURE = "procedure", _l("Procedureøvelse")
    DILEMMA = "dilemma", _l("Dilemmaøvelse")
    CRISIS_MANAGEMENT = "crisis_management", _l("Krisestyringsøvelse")
    FULL_SCALE = "full_scale", _l("Fuldskalaøvelse")


class ExerciseLevel(LabelledEnum):
    BOARD = "board", _l("Direktion/krisestab")
    SUB_PLAN = "sub_plan", _l("Delplan")


class ExerciseState(LabelledEnum):
    """Derived from the dates and the evaluation; never stored."""

    PLANNED = "planned", _l("Planlagt"), "info"
    HELD = "held", _l("Afholdt, mangler evaluering"), "warning"
    EVALUATED = "evaluated", _l("Evalueret"), "success"
    OVERDUE = "overdue", _l("Planlagt dato passeret"), "error"


class ImprovementStatus(LabelledEnum):
    OPEN = "open", _l("Åben"), "warning"
    IN_PROGRESS = "in_progress", _l("I gang"), "info"
    DONE = "done", _l("Gennemført"), "success"
    DROPPED = "dropped", _l("Fravalgt"), "neutral"

    @property
    def closed(self) -> bool:
        return self in (ImprovementStatus.DONE, ImprovementStatus.DROPPED)


class TargetKind(LabelledEnum):
    BOARD_EXERCISES_PER_YEAR = "board_exercises_per_year", _l("Øvelser for direktion/krisestab pr. år")
    EXERCISES_PER_YEAR = "exercises_per_year", _l("Øvelser i alt pr. år")
    SUB_PLAN_EXERCISED_WITHIN = "sub_plan_exercised_within", _l("Hver delplan øvet inden for N år")


class PreparednessSettings(Tracked, db.Model):
    """The working group's intervals; one row, each interval with the reason it was chosen."""

    __tablename__ = "preparedness_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    review_interval_months: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=12)
    review_interval_note: Mapped[str | None] = mapped_column(sa.Text)
    sub_plan_interval_months: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=24)
    sub_plan_interval_note: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class Plan(Tracked, db.Model):
    """A plan adopted by the council: the § 25 beredskabsplan or a plan that follows it (e.g. § 210)."""

    __tablename__ = "prep_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    legal_basis: Mapped[LegalBasis] = mapped_column(enum_column(LegalBasis), nullable=False)
    legal_basis_note: Mapped[str | None] = mapped_column(sa.Text)
    council_term_start: Mapped[int] = mapped_column(sa.Integer, nullable=False)  # first year of the term
    status: Mapped[PlanStatus] = mapped_column(enum_column(PlanStatus), nullable=False, default=PlanStatus.DRAFT)
    adopted_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # § 25, stk. 4: the adopted plan is submitted ("indsendes") to Beredskabsstyrelsen, on or after adoption. A
    # draft sent to Beredskabsstyrelsen for comments before adoption is a consultation, a step of its own.
    submitted_to_brs_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    brs_consulted_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # Sundhedsloven § 210: Sundhedsstyrelsen's advice is sought before the health plan is adopted.
    sst_advice_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    in_force_from: Mapped[dt.date | None] = mapped_column(sa.Date)
    follows_plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("prep_plan.id", ondelete="SET NULL"),
                                                        index=True)
    owner_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"), index=True)
    facilitator: Mapped[str | None] = mapped_column(sa.String(200))
    note: Mapped[str | None] = mapped_column(sa.Text)
    is_demo: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    follows = relationship("Plan", remote_side=[id], lazy="raise")
    owner_unit = relationship("Unit", lazy="raise")
    milestones = relationship("Milestone", back_populates="plan", lazy="raise",
                              order_by="(Milestone.window_start, Milestone.position, Milestone.id)")
    reviews = relationship("PlanReview", back_populates="plan", lazy="raise",
                           order_by="PlanReview.reviewed_on.desc()")

    __mapper_args__ = {"version_id_col": version}


class Milestone(Tracked, db.Model):
    """One step of a revision, planned for a window of whole months."""

    __tablename__ = "prep_milestone"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("prep_plan.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    title: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    window_start: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)  # first day of the first month
    window_end: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)    # first day of the last month
    responsible_body: Mapped[ResponsibleBody | None] = mapped_column(enum_column(ResponsibleBody))
    responsible_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"),
                                                            index=True)
    completed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    status: Mapped[MilestoneStatus] = mapped_column(enum_column(MilestoneStatus), nullable=False,
                                                    default=MilestoneStatus.PLANNED)
    note: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    plan = relationship("Plan", back_populates="milestones", lazy="raise")
    responsible_unit = relationship("Unit", lazy="raise")

    __table_args__ = (sa.CheckConstraint("window_end >= window_start", name="window_order"),)
    __mapper_args__ = {"version_id_col": version}


class PlanReview(Tracked, db.Model):
    """The working group's annual review of a plan (Direktionen, 26-03-2025)."""

    __tablename__ = "prep_plan_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("prep_plan.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    reviewed_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    reviewed_by: Mapped[str | None] = mapped_column(sa.String(300))
    note: Mapped[str | None] = mapped_column(sa.Text)

    plan = relationship("Plan", back_populates="reviews", lazy="raise")


class SubPlan(Tracked, db.Model):
    """A delplan or indsatsplan owned by a unit."""

    __tablename__ = "prep_sub_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    kind: Mapped[SubPlanKind] = mapped_column(enum_column(SubPlanKind), nullable=False)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="RESTRICT"), nullable=False, index=True)
    area: Mapped[str | None] = mapped_column(sa.String(200))
    plan_id: Mapped[int | None] = mapped_column(sa.ForeignKey("prep_plan.id", ondelete="SET NULL"), index=True)
    last_revised_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    note: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    unit = relationship("Unit", lazy="raise")
    plan = relationship("Plan", lazy="raise")

    __mapper_args__ = {"version_id_col": version}


class Exercise(Tracked, db.Model):
    """A planned or held exercise and its evaluation."""

    __tablename__ = "prep_exercise"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    exercise_type: Mapped[ExerciseType] = mapped_column(enum_column(ExerciseType), nullable=False)
    level: Mapped[ExerciseLevel] = mapped_column(enum_column(ExerciseLevel), nullable=False)
    responsible_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"),
                                                            index=True)
    planned_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    held_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    scenario: Mapped[str | None] = mapped_column(sa.Text)
    # The evaluation: a stated purpose, collected observations and an assessment against criteria
    # (Beredskabsstyrelsen, "Evalueringer"); a debrief alone is not an evaluation.
    evaluation_purpose: Mapped[str | None] = mapped_column(sa.Text)
    observations: Mapped[str | None] = mapped_column(sa.Text)
    criteria_assessment: Mapped[str | None] = mapped_column(sa.Text)
    went_well: Mapped[str | None] = mapped_column(sa.Text)
    must_improve: Mapped[str | None] = mapped_column(sa.Text)
    evaluated_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    is_demo: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    responsible_unit = relationship("Unit", lazy="raise")
    unit_links = relationship("ExerciseUnit", lazy="raise", cascade="all, delete-orphan")
    plan_links = relationship("ExercisePlan", lazy="raise", cascade="all, delete-orphan")
    sub_plan_links = relationship("ExerciseSubPlan", lazy="raise", cascade="all, delete-orphan")
    requirement_links = relationship("ExerciseRequirement", lazy="raise", cascade="all, delete-orphan")
    improvements = relationship("ImprovementPoint", back_populates="exercise", lazy="raise",
                                order_by="(ImprovementPoint.due_on, ImprovementPoint.id)")

    __mapper_args__ = {"version_id_col": version}

    @property
    def evaluation_complete(self) -> bool:
        return bool(self.evaluation_purpose and self.observations and self.criteria_assessment)

    @classmethod
    def evaluation_complete_sql(cls) -> sa.ColumnElement[bool]:
        """`evaluation_complete` worked out in the database, for lists that do not load the texts."""
        return sa.and_(*[sa.func.coalesce(sa.func.length(text), 0) > 0
                         for text in (cls.evaluation_purpose, cls.observations, cls.criteria_assessment)])

    def state(self, today: dt.date) -> ExerciseState:
        return exercise_state(self.held_on, self.planned_on, self.evaluation_complete, today)


def exercise_state(held_on: dt.date | None, planned_on: dt.date | None, evaluation_complete: bool,
                   today: dt.date) -> ExerciseState:
    if held_on is None:
        if planned_on is not None and planned_on < today:
            return ExerciseState.OVERDUE
        return ExerciseState.PLANNED
    return ExerciseState.EVALUATED if evaluation_complete else ExerciseState.HELD


class ExerciseUnit(Tracked, db.Model):
    """A unit taking part in an exercise."""

    __tablename__ = "prep_exercise_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(sa.ForeignKey("prep_exercise.id", ondelete="CASCADE"), nullable=False)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), nullable=False, index=True)

    unit = relationship("Unit", lazy="joined", innerjoin=True)

    __table_args__ = (sa.UniqueConstraint("exercise_id", "unit_id", name="uq_prep_exercise_unit_exercise_id_unit_id"),)


class ExercisePlan(Tracked, db.Model):
    """A plan an exercise tests."""

    __tablename__ = "prep_exercise_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(sa.ForeignKey("prep_exercise.id", ondelete="CASCADE"), nullable=False)
    plan_id: Mapped[int] = mapped_column(sa.ForeignKey("prep_plan.id", ondelete="CASCADE"), nullable=False,
                                         index=True)

    plan = relationship("Plan", lazy="joined", innerjoin=True)

    __table_args__ = (sa.UniqueConstraint("exercise_id", "plan_id", name="uq_prep_exercise_plan_exercise_id_plan_id"),)


class ExerciseSubPlan(Tracked, db.Model):
    """A delplan or indsatsplan an exercise tests."""

    __tablename__ = "prep_exercise_sub_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(sa.ForeignKey("prep_exercise.id", ondelete="CASCADE"), nullable=False)
    sub_plan_id: Mapped[int] = mapped_column(sa.ForeignKey("prep_sub_plan.id", ondelete="CASCADE"), nullable=False,
                                             index=True)

    sub_plan = relationship("SubPlan", lazy="joined", innerjoin=True)

    __table_args__ = (sa.UniqueConstraint("exercise_id", "sub_plan_id",
                                          name="uq_prep_exercise_sub_plan_exercise_id_sub_plan_id"),)


class ExerciseRequirement(Tracked, db.Model):
    """A catalogue requirement an exercise tests (e.g. beredskab:hob.7)."""

    __tablename__ = "prep_exercise_requirement"

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(sa.ForeignKey("prep_exercise.id", ondelete="CASCADE"), nullable=False)
    requirement_id: Mapped[int] = mapped_column(sa.ForeignKey("requirement.id", ondelete="CASCADE"), nullable=False,
                                                index=True)

    requirement = relationship("Requirement", lazy="joined", innerjoin=True)

    __table_args__ = (sa.UniqueConstraint("exercise_id", "requirement_id",
                                          name="uq_prep_exercise_requirement_exercise_id_requirement_id"),)


class ImprovementPoint(Tracked, db.Model):
    """Something an exercise showed must improve, with an owner and a deadline."""

    __tablename__ = "prep_improvement"

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(sa.ForeignKey("prep_exercise.id", ondelete="CASCADE"), nullable=False,
                                             index=True)
    title: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    description: Mapped[str | None] = mapped_column(sa.Text)
    owner_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"), index=True)
    due_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    status: Mapped[ImprovementStatus] = mapped_column(enum_column(ImprovementStatus), nullable=False,
                                                      default=ImprovementStatus.OPEN)
    completed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    # The finding on the action plan made from this point, if any (one per point).
    finding_id: Mapped[int | None] = mapped_column(sa.ForeignKey("gap_finding.id", ondelete="SET NULL"),
                                                   unique=True)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    exercise = relationship("Exercise", back_populates="improvements", lazy="raise")
    owner_unit = relationship("Unit", lazy="raise")
    finding = relationship("Finding", lazy="raise")

    __mapper_args__ = {"version_id_col": version}


class ExerciseTarget(Tracked, db.Model):
    """A yearly target for exercises, e.g. at least one board exercise a year."""

    __tablename__ = "prep_exercise_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TargetKind] = mapped_column(enum_column(TargetKind), nullable=False)
    value: Mapped[int] = mapped_column(sa.Integer, nullable=False)  # count per year, or N years
    note: Mapped[str | None] = mapped_column(sa.Text)
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class LeaderIntroduction(Tracked, db.Model):
    """An introduction to preparedness for a new leader (focus area from the minutes of 19-02-2025)."""

    __tablename__ = "prep_leader_introduction"

    id: Mapped[int] = mapped_column(primary_key=True)
    leader_name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"), index=True)
    started_on: Mapped[dt.date | None] = mapped_column(sa.Date)      # became leader
    planned_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    introduced_on: Mapped[dt.date | None] = mapped_column(sa.Date)   # held
    given_by: Mapped[str | None] = mapped_column(sa.String(200))
    note: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    unit = relationship("Unit", lazy="raise")

    __mapper_args__ = {"version_id_col": version}


class BodyKind(LabelledEnum):
    """The bodies that prepare, approve and oversee the municipality's preparedness and security work."""

    COUNCIL = "council", _l("Kommunalbestyrelsen")
    EXECUTIVE = "executive", _l("Direktionen")
    STEERING = "steering", _l("IT-sikkerhedsstyregruppen")
    WORKING_GROUP = "working_group", _l("Arbejdsgruppe")
    OTHER = "other", _l("Andet organ")


class GovernanceBody(Tracked, db.Model):
    """A body with its mandate and members: the preparedness working group, the IT-security steering group,
    the executive board, the council. Approvals and milestones name them."""

    __tablename__ = "prep_body"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[BodyKind] = mapped_column(enum_column(BodyKind), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    mandate: Mapped[str | None] = mapped_column(sa.Text)
    members: Mapped[str | None] = mapped_column(sa.Text)  # one member a line: name, role, unit as the body lists them
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def member_lines(self) -> list[str]:
        return [line.strip() for line in (self.members or "").splitlines() if line.strip()]


class CalendarToken(db.Model):
    """A private link to a user's årshjul feed; only the token's SHA-256 is stored."""

    __tablename__ = "prep_calendar_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False,
                                         index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", lazy="joined", innerjoin=True)


class ReminderSent(db.Model):
    """A reminder e-mailed once: item, its due date, the reminder step and the recipient."""

    __tablename__ = "prep_reminder_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_key: Mapped[str] = mapped_column(sa.String(64), nullable=False)   # e.g. "milestone:12"
    due_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    step: Mapped[str] = mapped_column(sa.String(16), nullable=False)       # 30, 7, today, overdue
    recipient: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("item_key", "due_on", "step", "recipient",
                                          name="uq_prep_reminder_sent_item_key"),)
