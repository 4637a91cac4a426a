"""The 2025 annual report built in March 2026 from a register filled in during 2026 (the clock frozen then):
the year is read by the records' own dates, in the PDF and in the HTML alike; the audit view shows the register
of a date; the archived report keeps its SHA-256 and what it was built from."""
import datetime as dt
import hashlib
import io
import re

import pytest
import sqlalchemy as sa
import time_machine
from pypdf import PdfReader

from conftest import html
from register.catalogs import loader
from register.core.history import ChangeLog
from register.extensions import db
from register.gap.models import CostLevel, Finding, FindingSource, FindingStatus, Severity
from register.incidents.models import Incident, IncidentStatus, Significance
from register.preparedness.models import (Exercise, ExerciseLevel, ExerciseTarget, ExerciseType, LegalBasis,
                                          Milestone, MilestoneStatus, Plan, PlanStatus, TargetKind)
from register.reports.data import build_report
from register.reports.models import ArchivedReport
from register.reports.pdf import render_pdf
from register.requirements.models import ImplementationStatus as S
from register.training.models import Approval, ApprovalBody, ManagementBody, Trainee, TrainingRecord
from requirement_helpers import assess

NOW = dt.datetime(2026, 3, 16, 9, 0, tzinfo=dt.UTC)  # a Monday in March 2026: when it is all entered
D = dt.date


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def entered_in_2026(app, frozen, users):
    """A municipality that started using the register in 2026 and entered what happened in 2025."""
    with app.app_context():
        loader.load_shipped()
        db.session.commit()
    assess(app, "nis2:21.2.a", status=S.IMPLEMENTED, status_effective_on=D(2025, 6, 1))  # backdated
    assess(app, "nis2:21.2.c", status=S.PARTLY, status_effective_on=D(2025, 5, 1))
    assess(app, "nis2:21.2.b", status=S.IMPLEMENTED)  # takes effect today, in 2026
    with app.app_context():
        plan = Plan(title="Beredskabsplan 2026-2029", legal_basis=LegalBasis.BEREDSKABSLOVEN_25,
                    council_term_start=2026, status=PlanStatus.IN_FORCE, adopted_on=D(2025, 9, 25),
                    submitted_to_brs_on=D(2025, 10, 15), in_force_from=D(2026, 1, 1))
        health = Plan(title="Sundhedsberedskabsplan 2026-2029", legal_basis=LegalBasis.SUNDHEDSLOVEN_210,
                      council_term_start=2026, status=PlanStatus.IN_FORCE, adopted_on=D(2025, 11, 1),
                      in_force_from=D(2026, 1, 1))
        db.session.add_all([plan, health])
        db.session.flush()
        council, executive, leader = (Trainee(name="Anna Byråd", body=ManagementBody.COUNCIL),
                                      Trainee(name="Bo Direktør", body=ManagementBody.EXECUTIVE),
                                      Trainee(name="Carl Leder", body=ManagementBody.LEADER))
        db.session.add_all([council, executive, leader])
        db.session.flush()
        db.session.add_all([
            Milestone(plan_id=plan.id, title="Risikoprofil opdateret", window_start=D(2025, 3, 1),
                      window_end=D(2025, 3, 1), status=MilestoneStatus.DONE, completed_on=D(2025, 3, 20)),
            Milestone(plan_id=plan.id, title="Evaluering af høringssvar", window_start=D(2025, 6, 1),
                      window_end=D(2025, 6, 1)),
            ExerciseTarget(kind=TargetKind.BOARD_EXERCISES_PER_YEAR, value=1),
            ExerciseTarget(kind=TargetKind.SUB_PLAN_EXERCISED_WITHIN, value=3),
            Exercise(title="Dilemmaøvelse for krisestaben", exercise_type=ExerciseType.CRISIS_MANAGEMENT,
                     level=ExerciseLevel.BOARD, held_on=D(2025, 5, 20)),
            Exercise(title="Evakuering af rådhuset", exercise_type=ExerciseType.CRISIS_MANAGEMENT,
                     level=ExerciseLevel.BOARD, held_on=D(2026, 2, 10)),
            Incident(title="Phishing mod lønkontoret", detected_at=dt.datetime(2025, 8, 1, 8, tzinfo=dt.UTC),
                     aware_at=dt.datetime(2025, 8, 1, 9, tzinfo=dt.UTC), description="Mails",
                     significance=Significance.SIGNIFICANT, status=IncidentStatus.CLOSED),
            Incident(title="Strømudfald på skole", detected_at=dt.datetime(2025, 11, 3, 8, tzinfo=dt.UTC),
                     aware_at=dt.datetime(2025, 11, 3, 8, tzinfo=dt.UTC), description="Strøm",
                     significance=Significance.NOT_SIGNIFICANT, status=IncidentStatus.CLOSED),
            Incident(title="Nedbrud i januar", detected_at=dt.datetime(2026, 1, 20, 8, tzinfo=dt.UTC),
                     aware_at=dt.datetime(2026, 1, 20, 8, tzinfo=dt.UTC), description="Nedbrud",
                     significance=Significance.SIGNIFICANT, status=IncidentStatus.HANDLING),
            Finding(title="Mangler totrinsgodkendelse", severity=Severity.CRITICAL, cost=CostLevel.LOW,
                    identified_on=D(2025, 4, 1), due_on=D(2025, 9, 1), source_kind=FindingSource.GAP_ANALYSIS),
            Finding(title="Gammel printerserver", severity=Severity.LOW, identified_on=D(2025, 2, 1),
                    status=FindingStatus.CLOSED, closed_on=D(2025, 6, 1), source_kind=FindingSource.GAP_ANALYSIS),
            Finding(title="Logning mangler", severity=Severity.HIGH, identified_on=D(2025, 5, 1),
                    due_on=D(2026, 1, 31), status=FindingStatus.CLOSED, closed_on=D(2026, 2, 1),
                    source_kind=FindingSource.GAP_ANALYSIS),
            Finding(title="Fundet i 2026", severity=Severity.CRITICAL, identified_on=D(2026, 1, 10),
                    source_kind=FindingSource.GAP_ANALYSIS),
            TrainingRecord(trainee_id=council.id, course="Cybersikkerhed for ledelsen", completed_on=D(2025, 3, 1)),
            TrainingRecord(trainee_id=executive.id, course="Cybersikkerhed for ledelsen", completed_on=D(2023, 1, 1)),
            Approval(approved_on=D(2025, 12, 10), body=ApprovalBody.COUNCIL, reference="Sag 7",
                     subject="Cybersikkerhedsforanstaltninger"),
        ])
        db.session.commit()
        assert db.session.execute(sa.select(sa.func.min(ChangeLog.at))).scalar() == NOW  # all entered in 2026


def _pdf_text(data: bytes) -> str:
    """The PDF's text with line breaks as spaces (figures and table cells wrap)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def _page_text(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).replace("&#34;", '"').split())


HEADLINES = [  # every headline figure of the summary, with its note, as the board reads them
    "NIS2-krav implementeret", "1 af 23",
    "Beredskabsplan (§ 25)", "Vedtaget", "Vedtaget 25.09.2025 i valgperioden 2022-2025.",
    "Øvelser afholdt mod mål", "1 af 1",
    "Åbne fund i handlingsplanen", "1 kritisk",
    "Fund over frist",
    "Væsentlige hændelser i året", "af 2 registrerede hændelser",
]
DECISIONS = [
    "1 fund i handlingsplanen er over sin frist (1 med prioritet 1 eller 2).",
    "1 kritisk fund er stadig åbent",
    "Revisionen af „Beredskabsplan 2026-2029“: 1 milepæl er forsinket: Evaluering af høringssvar "
    "(frist 30.06.2025).",
    "1 af 2 medlemmer af ledelsen mangler gyldig uddannelse",
    "Der er ikke registreret en godkendelse i direktionen i 2025",
]


def _figures(report) -> dict[str, tuple[str, str]]:
    from register.reports import document as d

    summary = report.sections[0]
    return {f.label: (f.value, f.note) for b in summary.blocks if isinstance(b, d.Figures) for f in b.items}


def test_the_2025_report_built_in_2026_tells_the_truth_about_2025_in_the_pdf_and_the_html(
        app, client, login, entered_in_2026):
    login("admin")  # the approving body is the municipality's own rule, set through its page
    response = client.post("/uddannelse/indstillinger", data={
        "approval_rule": "executive", "approval_note": "Direktionen godkender efter kommunens styrelsesvedtægt",
        "management_scope": "both", "validity_months": "24", "validity_note": "Kommunens egen regel", "version": "0"})
    assert response.status_code == 302
    with app.app_context():
        report = build_report(2025)
    assert report.as_of == D(2025, 12, 31) and report.registered_on is None
    figures = _figures(report)
    assert figures["NIS2-krav implementeret"][0] == "1 af 23"
    assert figures["Beredskabsplan (§ 25)"][0] == "Vedtaget"
    assert figures["Sundhedsberedskabsplan (sundhedsloven § 210)"] == (
        "Vedtaget", "Vedtaget 01.11.2025 i valgperioden 2022-2025.")
    assert figures["Øvelser afholdt mod mål"][0] == "1 af 1"
    assert figures["Åbne fund i handlingsplanen"] == ("2", "1 kritisk")
    assert figures["Fund over frist"][0] == "1"
    assert figures["Væsentlige hændelser i året"] == ("1", "af 2 registrerede hændelser")

    pdf = client.get("/rapporter/pdf?year=2025")
    assert pdf.status_code == 200
    pdf_text = _pdf_text(pdf.data)
    page = html(client.get("/rapporter/vis?year=2025"))
    page_text = _page_text(page)
    for text in (pdf_text, page_text):
        for expected in HEADLINES + DECISIONS:
            assert expected in text, expected
        assert "Årets tal efter registreringernes egne datoer" in text
        assert "Phishing mod lønkontoret" in text and "Strømudfald på skole" in text
        assert "Nedbrud i januar" not in text and "Fundet i 2026" not in text  # 2026's, not 2025's
        assert "Dilemmaøvelse for krisestaben" in text and "Evakuering af rådhuset" not in text
        assert "Logning mangler" in text  # closed in 2026: open at the end of 2025
        for never in ("NIS2-kataloget er ikke indlæst", "Der er ingen beredskabsplan", "Ikke vedtaget",
                      "N år", "MANAGEMENT_TRAINING", "flask ", "1 kritiske", "1 milepæle", "1 væsentlige"):
            assert never not in text, never
    assert "Hver delplan øvet inden for 3 år" in pdf_text
    assert "Vedtaget, gældende fra 01.01.2026" in pdf_text  # on 31 December 2025: adopted, in force from 2026
    assert "kommunens egen regel, ikke lovens" in pdf_text and "Direktionen godkender efter kommunens" in pdf_text


def test_a_status_date_in_2026_still_counts_only_2025s_events_in_the_years_sections(app, entered_in_2026):
    with app.app_context():
        report = build_report(2025, D(2026, 3, 16))
    text = _pdf_text(render_pdf(report))
    assert "Phishing mod lønkontoret" in text and "Nedbrud i januar" not in text
    assert "Evakuering af rådhuset" not in text
    assert _figures(report)["Væsentlige hændelser i året"] == ("1", "af 2 registrerede hændelser")
    assert _figures(report)["NIS2-krav implementeret"][0] == "2 af 23"  # statuses are as of the status date


def test_the_audit_view_shows_what_the_register_held_and_says_so(app, client, login, entered_in_2026):
    login("board")
    page = html(client.get("/rapporter/vis?year=2025&registered_on=2025-12-31"))
    text = _page_text(page)
    assert "Revisionsvisning: registret som det så ud 31.12.2025" in text
    assert "NIS2-kataloget er ikke indlæst." in text  # nothing had been entered by then
    assert "registered_on=2025-12-31" in page  # the PDF link keeps the audit date
    pdf = client.get("/rapporter/pdf?year=2025&registered_on=2025-12-31")
    assert "statusrapport-2025-pr-2025-12-31-registret-2025-12-31.pdf" in pdf.headers["Content-Disposition"]
    assert "revisionsvisning" in _pdf_text(pdf.data)
    later = client.get("/rapporter/vis?year=2025&registered_on=2026-03-17")
    assert later.status_code == 422 and "Registreringsdatoen må ikke ligge i fremtiden." in html(later)


def test_the_archived_report_keeps_its_hash_and_what_it_was_built_from(app, client, login, entered_in_2026):
    login("admin")
    response = client.post("/rapporter/arkiv", data={"year": "2025", "approved_by": "Direktionen",
                                                     "approved_on": "2026-03-16", "note": ""})
    assert response.status_code == 302
    with app.app_context():
        newest = db.session.execute(sa.select(sa.func.max(ChangeLog.id))
                                    .where(ChangeLog.entity != "report_archive")).scalar()
        entry = db.session.execute(sa.select(ArchivedReport)).scalar_one()
        assert entry.sha256 == hashlib.sha256(entry.pdf).hexdigest() and entry.as_of == D(2025, 12, 31)
        assert entry.chain_head_id == newest  # the change history it was read from, up to this entry
        text = _pdf_text(entry.pdf)
    assert "1 af 23" in text and "Vedtaget 25.09.2025 i valgperioden 2022-2025." in text
    assert f"til og med ændring nr. {newest} i historikken" in html(client.get("/rapporter/"))
    download = client.get(f"/rapporter/arkiv/{entry.id}.pdf")
    assert download.headers["X-Content-SHA256"] == entry.sha256


def test_the_demo_municipality_entered_today_has_a_2025_report(app, catalogs):
    """A new user loads the demo in 2026: its 2025 report shows the statuses, the plan and the findings of 2025."""
    from register.demo.services import load_demo

    with app.app_context():
        load_demo()
        db.session.commit()
        report = build_report(2025)
    figures = _figures(report)
    text = _pdf_text(render_pdf(report))
    assert figures["NIS2-krav implementeret"][0] != "–" and "NIS2-kataloget er ikke indlæst" not in text
    assert figures["Beredskabsplan (§ 25)"][0] == "Vedtaget" and "Der er ingen beredskabsplan" not in text
    assert figures["Åbne fund i handlingsplanen"][0] != "0"


def test_in_2026_a_plan_adopted_in_2025_for_the_new_term_reads_as_adopted_not_as_missing(app, entered_in_2026):
    with app.app_context():
        report = build_report(2026)
    figures = _figures(report)
    for label in ("Beredskabsplan (§ 25)", "Sundhedsberedskabsplan (sundhedsloven § 210)"):
        value, note = figures[label]
        assert value == "Vedtaget" and "for valgperioden 2026-2029" in note and "senest 31.12.2029" in note
    text = _pdf_text(render_pdf(report))
    assert "Ikke vedtaget" not in text and "har endnu ikke vedtaget en revision" not in text
    assert "1 milepæl er forsinket: Evaluering af høringssvar" in text  # what is really late is still raised


def test_the_state_true_on_a_day_is_the_last_saved_of_those_dated_by_then_without_deleted_records(app, catalogs):
    from register.reports.snapshots import dated_states
    from register.requirements.models import RequirementAssessment

    with time_machine.travel(dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC), tick=False):
        assess(app, "nis2:21.2.a", status=S.PARTLY, status_effective_on=D(2025, 3, 1))
        assess(app, "nis2:21.2.b", status=S.PLANNED)  # effective today, 5 January 2026
        assess(app, "nis2:21.2.c", status=S.PLANNED, status_effective_on=D(2025, 2, 1))
    with time_machine.travel(dt.datetime(2026, 2, 5, 9, tzinfo=dt.UTC), tick=False):
        assess(app, "nis2:21.2.a", status=S.IMPLEMENTED, status_effective_on=D(2025, 9, 1))
        with app.app_context():
            from requirement_helpers import req_id

            doomed = db.session.execute(sa.select(RequirementAssessment).where(
                RequirementAssessment.requirement_id == req_id(app, "nis2:21.2.c"))).scalar_one()
            db.session.delete(doomed)
            db.session.commit()
    with app.app_context():
        from requirement_helpers import req_id

        a, b, c = (req_id(app, f"nis2:21.2.{x}") for x in "abc")
        june, end, now = dated_states(db.session, RequirementAssessment,
                                      (D(2025, 6, 30), D(2025, 12, 31), D(2026, 2, 5)), D(2026, 2, 5),
                                      "status_effective_on")
        by_req = [{s["requirement_id"]: s["status"] for s in states.values()} for states in (june, end, now)]
        assert by_req[0] == {a: "partly"}  # the later change took effect in September; c is deleted
        assert by_req[1] == {a: "implemented"}
        assert by_req[2] == {a: "implemented", b: "planned"}
        [audit] = dated_states(db.session, RequirementAssessment, (D(2025, 12, 31),), D(2026, 1, 31),
                               "status_effective_on")  # as the history stood before the February changes
        assert {s["requirement_id"]: s["status"] for s in audit.values()} == {a: "partly", c: "planned"}
