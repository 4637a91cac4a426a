"""Incidents with their NIS2 reporting deadlines, and lessons learned, in the read API."""
import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from register.api.resources import (Field, Filter, Resource, date_filters, enum_filter, enum_values,
                                    register_resource, today)
from register.core.dates import LOCAL_TZ
from register.core.db import utcnow
from register.incidents import services
from register.incidents.models import (Incident, IncidentStatus, IncidentUnit, Lesson, LessonStatus, ReportKind,
                                       Significance)

# Beyond these the local-midnight arithmetic would overflow; no incident lies outside them.
_EARLIEST, _LATEST = dt.date(1900, 1, 1), dt.date(9000, 1, 1)


def _local_midnight(day: dt.date) -> dt.datetime:
    day = min(max(day, _EARLIEST), _LATEST)
    return dt.datetime.combine(day, dt.time.min, tzinfo=ZoneInfo(LOCAL_TZ)).astimezone(dt.UTC)


def _steps(incident: Incident) -> dict:
    """The Art. 23(4) steps by kind (empty unless significant); plain arithmetic, no queries."""
    return {s.kind: s for s in services.reporting_clock(incident, incident.reports, utcnow())}


def _due(kind: ReportKind):
    return lambda i: _steps(i)[kind].due if kind in _steps(i) else None


def _submitted(kind: ReportKind):
    return lambda i: next((r.submitted_at for r in i.reports if r.kind == kind), None)


def _next_deadline(incident: Incident):
    step = services.next_step(list(_steps(incident).values()))
    return step.due if step else None


def _deadline_missed(incident: Incident) -> bool:
    return any(s.state in (services.StepState.OVERDUE, services.StepState.LATE) for s in _steps(incident).values())


def _open(stmt, value: bool):
    closed = Incident.status == IncidentStatus.CLOSED
    return stmt.where(~closed if value else closed)


register_resource(Resource(
    name="incidents", title="Sikkerhedshændelser", model=Incident,
    select=lambda: sa.select(Incident).options(selectinload(Incident.reports), selectinload(Incident.units)),
    fields=[
        Field("id", "ID", "integer", lambda i: i.id, nullable=False),
        Field("title", "Titel", "string", lambda i: i.title, nullable=False),
        Field("status", "Status", "string", lambda i: i.status, nullable=False, enum=enum_values(IncidentStatus)),
        Field("significance", "Væsentlighed", "string", lambda i: i.significance, nullable=False,
              enum=enum_values(Significance)),
        Field("significance_reason", "Begrundelse for væsentlighed", "string", lambda i: i.significance_reason),
        Field("detected_at", "Opdaget", "date-time", lambda i: i.detected_at, nullable=False),
        Field("aware_at", "Kendskab", "date-time", lambda i: i.aware_at, nullable=False,
              description="Starter fristerne i NIS2 art. 23, stk. 4"),
        Field("systems_affected", "Berørte systemer", "string", lambda i: i.systems_affected),
        Field("description", "Beskrivelse", "string", lambda i: i.description, nullable=False),
        Field("unit_ids", "Berørte enheder (ID'er)", "array", lambda i: sorted(u.unit_id for u in i.units),
              nullable=False),
        Field("early_warning_due", "Frist for tidlig varsling", "date-time", _due(ReportKind.EARLY_WARNING),
              description="24 timer efter kendskab; kun for væsentlige hændelser"),
        Field("early_warning_submitted_at", "Tidlig varsling indsendt", "date-time",
              _submitted(ReportKind.EARLY_WARNING)),
        Field("notification_due", "Frist for hændelsesunderretning", "date-time", _due(ReportKind.NOTIFICATION),
              description="72 timer efter kendskab; kun for væsentlige hændelser"),
        Field("notification_submitted_at", "Hændelsesunderretning indsendt", "date-time",
              _submitted(ReportKind.NOTIFICATION)),
        Field("handled_at", "Håndteret", "date-time", lambda i: i.handled_at,
              description="Hvornår hændelsen var håndteret (art. 23, stk. 4, litra e)"),
        Field("intermediate_report_submitted_at", "Foreløbig rapport indsendt", "date-time",
              _submitted(ReportKind.INTERMEDIATE), description="Kun efter anmodning (art. 23, stk. 4, litra c)"),
        Field("progress_report_due", "Frist for statusrapport", "date-time", _due(ReportKind.PROGRESS),
              description="Når hændelsen stadig er i gang, da den endelige rapport skulle indsendes (litra e)"),
        Field("progress_report_submitted_at", "Statusrapport indsendt", "date-time", _submitted(ReportKind.PROGRESS)),
        Field("final_report_due", "Frist for endelig rapport", "date-time", _due(ReportKind.FINAL),
              description="En måned efter hændelsesunderretningen; for en hændelse, der stadig var i gang, en måned "
                          "efter at den er håndteret (tom, til den er det)"),
        Field("final_report_due_provisional", "Frist for endelig rapport er foreløbig", "boolean",
              lambda i: _steps(i)[ReportKind.FINAL].provisional if _steps(i) else None,
              description="Sand indtil hændelsesunderretningen er indsendt"),
        Field("final_report_submitted_at", "Endelig rapport indsendt", "date-time", _submitted(ReportKind.FINAL)),
        Field("next_deadline", "Næste frist", "date-time", _next_deadline),
        Field("deadline_missed", "Frist overskredet", "boolean", _deadline_missed, nullable=False,
              description="En indberetning er for sent indsendt eller mangler efter fristen"),
    ],
    filters=[
        enum_filter("status", Incident.status, IncidentStatus, "Status"),
        enum_filter("significance", Incident.significance, Significance, "Væsentlighed"),
        Filter("open", "boolean", _open, "Kun åbne (true) eller afsluttede (false)"),
        Filter("unit_id", "integer", lambda s, v: s.where(sa.exists().where(
            IncidentUnit.incident_id == Incident.id, IncidentUnit.unit_id == v)), "Berørt enhed (ID)"),
        Filter("aware_before", "date", lambda s, v: s.where(Incident.aware_at < _local_midnight(v)),
               "Kendskab før denne dag (dansk tid)"),
        Filter("aware_after", "date", lambda s, v: s.where(Incident.aware_at >= _local_midnight(v)),
               "Kendskab denne dag eller senere (dansk tid)"),
    ],
))


def _lesson_overdue(stmt, value: bool):
    late = sa.and_(Lesson.status != LessonStatus.DONE, Lesson.due_on < today())
    return stmt.where(late if value else sa.not_(late))


register_resource(Resource(
    name="incident-lessons", title="Erfaringer fra hændelser", model=Lesson,
    select=lambda: sa.select(Lesson).options(joinedload(Lesson.incident), joinedload(Lesson.owner_unit)),
    fields=[
        Field("id", "ID", "integer", lambda le: le.id, nullable=False),
        Field("incident_id", "Hændelse (ID)", "integer", lambda le: le.incident_id, nullable=False),
        Field("incident", "Hændelse", "string", lambda le: le.incident.title, nullable=False),
        Field("description", "Erfaring", "string", lambda le: le.description, nullable=False),
        Field("owner_unit_id", "Ansvarlig enhed (ID)", "integer", lambda le: le.owner_unit_id, nullable=False),
        Field("owner_unit", "Ansvarlig enhed", "string", lambda le: le.owner_unit.name, nullable=False),
        Field("due_on", "Frist", "date", lambda le: le.due_on, nullable=False),
        Field("status", "Status", "string", lambda le: le.status, nullable=False, enum=enum_values(LessonStatus)),
        Field("overdue", "Frist overskredet", "boolean",
              lambda le: le.status != LessonStatus.DONE and le.due_on < today(), nullable=False),
    ],
    filters=[
        enum_filter("status", Lesson.status, LessonStatus, "Status"),
        Filter("incident_id", "integer", lambda s, v: s.where(Lesson.incident_id == v), "Hændelse (ID)"),
        Filter("unit_id", "integer", lambda s, v: s.where(Lesson.owner_unit_id == v), "Ansvarlig enhed (ID)"),
        *date_filters("due", Lesson.due_on, "Frist"),
        Filter("overdue", "boolean", _lesson_overdue, "Fristen er overskredet, og erfaringen er ikke fulgt op"),
    ],
))
