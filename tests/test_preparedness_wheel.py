"""The årshjul, its private iCalendar feed and the e-mailed reminders (against a real SMTP server)."""
import datetime as dt
import re

import icalendar
import pytest
import sqlalchemy as sa

from register.extensions import db
from register.preparedness.models import (CalendarToken, Exercise, ExerciseLevel, ExerciseType, ExerciseUnit,
                                          ImprovementPoint, LegalBasis, Milestone, MilestoneStatus, Plan, PlanStatus,
                                          ReminderSent, ResponsibleBody, SubPlan, SubPlanKind)
from register.preparedness.services import today as real_today

from conftest import html

D = dt.date.fromisoformat


@pytest.fixture
def wheel_data(app, make_unit):
    """A year with one item of each kind, dated relative to today."""
    today = real_today()
    root = make_unit(name="Social og Sundhed")
    care = make_unit(name="Sundhed og Omsorg", parent_id=root, contact_email="omsorg@kommune.example")
    school = make_unit(name="Skoler", contact_email="skoler@kommune.example")
    with app.app_context():
        plan = Plan(title="Plan for fortsat drift", legal_basis=LegalBasis.BEREDSKABSLOVEN_25, council_term_start=2026,
                    status=PlanStatus.IN_FORCE, adopted_on=today - dt.timedelta(days=200),
                    in_force_from=today - dt.timedelta(days=358), owner_unit_id=school)  # review due in 7 days
        db.session.add(plan)
        db.session.flush()
        month = today.replace(day=1)
        db.session.add_all([
            Milestone(plan_id=plan.id, title="Workshops om delplaner", window_start=month, window_end=month,
                      responsible_unit_id=care),
            Milestone(plan_id=plan.id, title="Godkendt i direktionen", window_start=month, window_end=month,
                      responsible_body=ResponsibleBody.DIREKTIONEN, status=MilestoneStatus.DONE, completed_on=today),
            SubPlan(title="Delplan for ældrepleje", kind=SubPlanKind.DELPLAN, unit_id=care,
                    last_revised_on=today - dt.timedelta(days=800)),
        ])
        exercise = Exercise(title="Evakuering af skoler", exercise_type=ExerciseType.PROCEDURE,
                            level=ExerciseLevel.SUB_PLAN, planned_on=today + dt.timedelta(days=30),
                            responsible_unit_id=school, unit_links=[ExerciseUnit(unit_id=school)])
        exercise.improvements.append(ImprovementPoint(title="Opråb af elever", owner_unit_id=care, due_on=today))
        db.session.add(exercise)
        db.session.commit()
        return {"today": today, "care": care, "school": school, "root": root, "plan": plan.id}


def test_the_wheel_shows_every_kind_of_dated_item_and_filters_by_unit(client, login, wheel_data):
    login("board")
    today = wheel_data["today"]
    page = html(client.get(f"/aarshjul/?aar={today.year}"))
    for text in ("Workshops om delplaner", "Opråb af elever", "Årlig gennemgang", "Delplan for ældrepleje"):
        assert text in page, text
    if (today + dt.timedelta(days=30)).year == today.year:
        assert ">Evakuering af skoler</a>" in page
    assert "I dag:" in page
    care = html(client.get(f"/aarshjul/?aar={today.year}&enhed={wheel_data['care']}"))
    assert "Workshops om delplaner" in care and "Opråb af elever" in care and ">Evakuering af skoler</a>" not in care
    # A directorate sees the items of the units under it.
    area = html(client.get(f"/aarshjul/?aar={today.year}&enhed={wheel_data['root']}"))
    assert "Opråb af elever" in area and "Godkendt i direktionen" not in area
    assert client.get("/aarshjul/?aar=99999").status_code == 404


def test_each_item_shows_its_day_kind_state_and_links_to_its_page(app, client, login, wheel_data):
    """What a line of the wheel says: the day, the kind, the title linked to the record's own page (or the list,
    for sub-plans), done or overdue, and where it belongs."""
    login("board")
    today = wheel_data["today"]
    with app.app_context():
        exercise_id = db.session.execute(sa.select(Exercise.id)).scalar_one()
        month = today.replace(day=1)
        db.session.add(Milestone(plan_id=wheel_data["plan"], title="Møde <i>& beslutning</i>", window_start=month,
                                 window_end=month))
        db.session.commit()
    page = html(client.get(f"/aarshjul/?aar={today.year}"))
    assert "Møde &lt;i&gt;&amp; beslutning&lt;/i&gt;</a>" in page and "<i>&" not in page  # text, never markup
    with app.test_request_context():
        from flask import url_for
        from babel.dates import format_date
        plan_url = url_for("preparedness.plan", plan_id=wheel_data["plan"])
        exercise_url = url_for("exercises.detail", exercise_id=exercise_id)
        sub_plans_url = url_for("preparedness.sub_plans")
        day = format_date(today, "d. MMM", locale="da")
    lines = re.findall(r'<li class="wheel-item.*?</li>', page, re.S)
    done = next(line for line in lines if "Godkendt i direktionen" in line)
    assert f'<span class="wheel-day">{day}</span>' in done and "Milepæl" in done
    assert f'href="{plan_url}">Godkendt i direktionen</a>' in done and "Gennemført" in done
    assert "Plan for fortsat drift" in done  # the plan it belongs to
    improvement = next(line for line in lines if "Opråb af elever" in line)
    assert f'href="{exercise_url}">Opråb af elever</a>' in improvement and "Evakuering af skoler" in improvement
    if (today - dt.timedelta(days=70)).year == today.year:  # revised 800 days ago, due every 24 months
        sub_plan = next(line for line in lines if "Delplan for ældrepleje" in line)
        assert f'href="{sub_plans_url}">Delplan for ældrepleje</a>' in sub_plan and "Overskredet" in sub_plan
        assert "wheel-item--late" in sub_plan and "Sundhed og Omsorg" in sub_plan


def test_the_drawn_year_follows_every_change_and_the_readers_language(app, client, login, wheel_data):
    """The year's months are drawn once and kept: a change shows at once, and each language has its own."""
    login("preparedness")
    year = wheel_data["today"].year
    assert "Opråb af elever" in html(client.get(f"/aarshjul/?aar={year}"))
    with app.app_context():
        point = db.session.execute(sa.select(ImprovementPoint)).scalar_one()
        point.title = "Opråb af alle elever"
        db.session.commit()
    page = html(client.get(f"/aarshjul/?aar={year}"))
    assert "Opråb af alle elever" in page and "Forbedringspunkt" in page
    client.post("/konto/sprog", data={"language": "en", "next": "/"})
    english = html(client.get(f"/aarshjul/?aar={year}"))
    assert "Improvement point" in english and "Forbedringspunkt" not in english


def test_wheel_does_not_query_per_item(app, client, login, wheel_data, count_queries):
    login("board")
    counts = []
    for extra in (0, 20):
        with app.app_context():
            for i in range(extra):
                db.session.add(SubPlan(title=f"Plan {i}", kind=SubPlanKind.INDSATSPLAN, unit_id=wheel_data["care"]))
            db.session.commit()
        with count_queries() as counter:
            assert client.get("/aarshjul/").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


def feed_link(client) -> str:
    response = client.post("/aarshjul/abonnement/nyt")
    assert response.status_code == 200
    match = re.search(r"http://localhost(/aarshjul/feed/[\w-]+\.ics)", html(response))
    assert match, "the new link is shown once"
    return match.group(1)


def test_private_feed_is_parsed_back_as_a_calendar(app, client, login, users, wheel_data):
    login("board")
    link = feed_link(client)
    client.post("/konto/logout")
    response = client.get(link)  # no session: calendar clients cannot log in
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers.getlist("Cache-Control") == ["private, max-age=900"]  # the feed's own, kept
    calendar = icalendar.Calendar.from_ical(response.data)
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    exercise = next(e for e in events.values() if "Evakuering af skoler" in str(e["summary"]))
    assert exercise.decoded("dtstart") == wheel_data["today"] + dt.timedelta(days=30)
    assert str(exercise["summary"]) == "Øvelse: Evakuering af skoler"
    assert any(uid.startswith("milestone:") for uid in events) and any(uid.startswith("review:") for uid in events)
    assert "/oevelser/" in str(exercise["url"])
    token = link.rsplit("/", 1)[1].removesuffix(".ics")
    with app.app_context():
        stored = db.session.execute(sa.select(CalendarToken)).scalar_one()
        assert stored.token_hash != token and len(stored.token_hash) == 64  # only the hash is kept
        assert stored.last_used_at is not None


def test_revoked_replaced_and_unknown_feed_links_get_404(app, client, login, users, wheel_data):
    login("preparedness")
    first = feed_link(client)
    second = feed_link(client)  # a new link replaces the old one
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    page = html(client.get("/aarshjul/abonnement"))
    assert "Du har et aktivt link" in page and second not in page  # never shown again
    assert client.post("/aarshjul/abonnement/tilbagekald").status_code == 200
    assert client.get(second).status_code == 404
    assert client.get("/aarshjul/feed/not-a-token.ics").status_code == 404
    assert "Du har intet aktivt link." in html(client.get("/aarshjul/abonnement"))


def test_a_deactivated_users_feed_stops(app, client, login, users, wheel_data):
    from register.accounts.models import User

    login("board")
    link = feed_link(client)
    with app.app_context():
        db.session.get(User, users["board"]).active = False
        db.session.commit()
    assert client.get(link).status_code == 404


# --- reminders -----------------------------------------------------------------------------------

def run_reminders(app, port, *args):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_FROM="beredskab@kommune.example",
                      BASE_URL="https://register.kommune.example")
    return app.test_cli_runner().invoke(args=["reminders", *args])


def body(message) -> str:
    return message.get_payload(decode=True).decode("utf-8")


def test_reminders_are_sent_once_per_owner_and_step(app, wheel_data, smtp_server):
    port, inbox = smtp_server
    today = wheel_data["today"]
    result = run_reminders(app, port, "--today", today.isoformat())
    assert result.exit_code == 0, result.output
    assert "Reminders sent to 2 recipient(s)." in result.output
    by_recipient = {m["To"]: m for m in inbox}
    assert set(by_recipient) == {"omsorg@kommune.example", "skoler@kommune.example"}
    care = body(by_recipient["omsorg@kommune.example"])
    assert "Overskredet" in care and "Delplan for ældrepleje" in care
    assert "Forfalder i dag" in care and "Opråb af elever" in care
    assert "Workshops om delplaner" in care  # due by the end of this month
    assert "https://register.kommune.example/oevelser/" in care
    school = body(by_recipient["skoler@kommune.example"])
    assert "Forfalder inden for 7 dage" in school and "Årlig gennemgang" in school
    assert "Forfalder inden for 30 dage" in school and "Evakuering af skoler" in school
    assert "Godkendt i direktionen" not in care + school  # done items are not reminded

    again = run_reminders(app, port, "--today", today.isoformat())
    assert again.exit_code == 0 and "Reminders sent to 0 recipient(s)." in again.output
    assert len(inbox) == 2  # never the same reminder twice
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(ReminderSent.id))).scalar() >= 5


def test_the_next_step_is_sent_when_the_deadline_comes_closer(app, wheel_data, smtp_server):
    port, inbox = smtp_server
    today = wheel_data["today"]
    run_reminders(app, port, "--today", today.isoformat())
    inbox.clear()
    later = today + dt.timedelta(days=24)  # the exercise is now 6 days away: the 7-day reminder
    result = run_reminders(app, port, "--today", later.isoformat())
    assert result.exit_code == 0, result.output
    school = [body(m) for m in inbox if m["To"] == "skoler@kommune.example"]
    assert school and "Forfalder inden for 7 dage" in school[0] and "Evakuering af skoler" in school[0]


def test_units_without_contact_email_reach_their_users(app, users, make_unit, smtp_server):
    from register.accounts.models import User

    port, inbox = smtp_server
    unit = make_unit(name="Vej og Park")
    with app.app_context():
        db.session.get(User, users["preparedness"]).unit_id = unit
        db.session.add(SubPlan(title="Vintertjeneste", kind=SubPlanKind.DELPLAN, unit_id=unit))
        db.session.commit()
    result = run_reminders(app, port)
    assert result.exit_code == 0, result.output
    assert [m["To"] for m in inbox] == ["preparedness@test.example"]


def test_reminders_need_a_configured_mail_server(app):
    result = app.test_cli_runner().invoke(args=["reminders"])
    assert result.exit_code == 1 and "MAIL_SERVER" in result.output


def test_a_failed_delivery_is_not_recorded(app, wheel_data):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_FROM="x@kommune.example")
    result = app.test_cli_runner().invoke(args=["reminders"])
    assert result.exit_code == 1 and "Mail server 127.0.0.1:1 failed after 0 recipient(s)" in result.output
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(ReminderSent.id))).scalar() == 0


def test_demo_contains_the_minutes_timeline(app):
    app.test_cli_runner().invoke(args=["demo"])
    with app.app_context():
        plan = db.session.execute(sa.select(Plan).where(Plan.title == "Politik og Plan for Fortsat Drift 2026-2029")
                                  ).scalar_one()
        milestones = db.session.execute(sa.select(Milestone).where(Milestone.plan_id == plan.id)
                                        .order_by(Milestone.position)).scalars().all()
        assert len(milestones) == 7
        assert (milestones[3].window_start, milestones[3].window_end) == (D("2025-08-01"), D("2025-09-01"))
        assert milestones[3].responsible_body == ResponsibleBody.KOMMUNALBESTYRELSEN
        assert plan.adopted_on == D("2025-09-24") and plan.status == PlanStatus.IN_FORCE
        assert milestones[5].status == MilestoneStatus.PLANNED  # workshops: not done in the demo
        # § 25, stk. 4: the June draft went for comments; the adopted plan was submitted after the adoption
        assert "udtalelse" in milestones[2].title and plan.brs_consulted_on == D("2025-06-18")
        assert plan.submitted_to_brs_on == D("2025-10-01") >= plan.adopted_on
    assert "already loaded" in app.test_cli_runner().invoke(args=["demo"]).output
