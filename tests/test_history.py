"""Every change to register data is recorded: who, when, old and new; and state as of a date."""
import datetime as dt

import sqlalchemy as sa

from register.accounts.services import create_user
from register.core.history import ChangeLog, acting_as, end_of_day, history_of, state_as_of, states_as_of
from register.extensions import db
from register.organisation.models import Unit, UnitKind


def _at(app, entity_id, when_utc):
    """Backdate one record's history (tests of as-of need history that spans dates)."""
    with app.app_context():
        db.session.execute(sa.update(ChangeLog).where(ChangeLog.id == entity_id).values(at=when_utc))
        db.session.commit()


def test_insert_update_delete_are_recorded_with_actor_and_values(app):
    with app.app_context(), acting_as("cli: test"):
        unit = Unit(name="IT", kind=UnitKind.CENTRE)
        db.session.add(unit)
        db.session.commit()
        unit.name = "Digitalisering og IT"
        unit.leader_name = "Kim"
        db.session.commit()
        unit_id = unit.id
        db.session.delete(unit)
        db.session.commit()
        entries = list(reversed(history_of(db.session, Unit, unit_id)))
    assert [e.action.value for e in entries] == ["insert", "update", "delete"]
    assert all(e.actor == "cli: test" for e in entries)
    assert entries[0].changes["name"] == [None, "IT"]
    assert entries[1].changes == {"name": ["IT", "Digitalisering og IT"], "leader_name": [None, "Kim"]}
    assert entries[2].state["name"] == "Digitalisering og IT"


def test_changes_through_the_web_record_the_logged_in_user(app, client, login, make_unit):
    unit_id = make_unit(name="Gammel")
    login("admin")
    response = client.post(f"/organisation/{unit_id}/rediger",
                           data={"name": "Ny", "kind": "department", "parent_id": "", "version": "1",
                                 "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        latest = history_of(db.session, Unit, unit_id)[0]
    assert latest.actor == "admin@test.example" and latest.changes["name"] == ["Gammel", "Ny"]


def test_a_save_that_changes_nothing_leaves_no_entry(app):
    with app.app_context():
        unit = Unit(name="IT", kind=UnitKind.CENTRE)
        db.session.add(unit)
        db.session.commit()
        unit.name = "IT"
        db.session.commit()
        assert len(history_of(db.session, Unit, unit.id)) == 1


def test_passwords_never_reach_the_history(app):
    with app.app_context():
        user = create_user("x@test.example", "board", "a-long-password")
        db.session.commit()
        user.set_password("another-long-password")
        db.session.commit()
        entries = history_of(db.session, type(user), user.id)
    assert entries[0].changes["password_hash"] == ["(skjult)", "(skjult)"]
    assert all("scrypt" not in str(e.state) and "pbkdf2" not in str(e.state) for e in entries)


def test_history_is_written_in_the_same_transaction(app):
    with app.app_context():
        db.session.add(Unit(name="Rulles tilbage", kind=UnitKind.CENTRE))
        db.session.flush()
        db.session.rollback()
        assert db.session.execute(sa.select(sa.func.count(ChangeLog.id))).scalar() == 0


def test_state_as_of_a_date(app):
    with app.app_context():
        unit = Unit(name="Version 1", kind=UnitKind.CENTRE)
        db.session.add(unit)
        db.session.commit()
        unit.name = "Version 2"
        db.session.commit()
        unit_id = unit.id
        insert_id, update_id = sorted(e.id for e in history_of(db.session, Unit, unit_id))
    # Created 10 June 2025, renamed 2 January 2026 (00:30 Danish time = 23:30 UTC on 1 January).
    _at(app, insert_id, dt.datetime(2025, 6, 10, 8, 0, tzinfo=dt.UTC))
    _at(app, update_id, dt.datetime(2026, 1, 1, 23, 30, tzinfo=dt.UTC))
    with app.app_context():
        assert state_as_of(db.session, Unit, unit_id, dt.date(2025, 6, 9)) is None
        assert state_as_of(db.session, Unit, unit_id, dt.date(2025, 12, 31))["name"] == "Version 1"
        assert state_as_of(db.session, Unit, unit_id, dt.date(2026, 1, 1))["name"] == "Version 1"
        assert state_as_of(db.session, Unit, unit_id, dt.date(2026, 1, 2))["name"] == "Version 2"
        assert states_as_of(db.session, Unit, dt.date(2025, 12, 31)) == {
            unit_id: state_as_of(db.session, Unit, unit_id, dt.date(2025, 12, 31))}


def test_deleted_records_are_gone_as_of_after_the_delete(app):
    with app.app_context():
        unit = Unit(name="Kortlivet", kind=UnitKind.TEAM)
        db.session.add(unit)
        db.session.commit()
        unit_id = unit.id
        db.session.delete(unit)
        db.session.commit()
        assert state_as_of(db.session, Unit, unit_id, dt.datetime.now(dt.UTC)) is None
        assert states_as_of(db.session, Unit, dt.datetime.now(dt.UTC)) == {}


def test_end_of_day_is_danish_local_midnight():
    assert end_of_day(dt.date(2025, 12, 31)) == dt.datetime(2025, 12, 31, 22, 59, 59, 999999, tzinfo=dt.UTC)
    assert end_of_day(dt.date(2025, 7, 1)) == dt.datetime(2025, 7, 1, 21, 59, 59, 999999, tzinfo=dt.UTC)


def test_timestamps_come_back_timezone_aware(app):
    with app.app_context():
        db.session.add(Unit(name="Tid", kind=UnitKind.TEAM))
        db.session.commit()
        entry = db.session.execute(sa.select(ChangeLog)).scalar_one()
        assert entry.at.tzinfo is not None and entry.at.utcoffset() == dt.timedelta(0)


def _rename(app, unit_id: int, times: int, start: int = 0) -> None:
    with app.app_context():
        for i in range(start, start + times):
            db.session.get(Unit, unit_id).name = f"Navn {i:02d}"
            db.session.commit()


def test_a_long_history_is_shown_a_page_at_a_time_newest_first(app, client, login, make_unit, count_queries):
    from conftest import html

    unit_id = make_unit(name="Navn")
    login("board")
    _rename(app, unit_id, 3)
    with count_queries() as short:
        page = html(client.get(f"/organisation/{unit_id}"))
    assert "Navn 02" in page and "af 4, nyeste først" not in page and "Ældre ændringer" not in page
    _rename(app, unit_id, 27, start=3)  # 31 entries: the creation and 30 renames
    with count_queries() as long:
        first = html(client.get(f"/organisation/{unit_id}"))
    assert long.count == short.count + 1  # one page, and a count once it passes a page, whatever the length
    assert "Ændring 1–25 af 31, nyeste først" in first
    assert "<ins>Navn 29</ins>" in first and "<ins>Navn 04</ins>" not in first
    older = first.split('rel="next"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    assert older == f"/organisation/{unit_id}?historik=2#historik"
    second = html(client.get(older))
    assert "Ændring 26–31 af 31, nyeste først" in second and "<ins>Navn 04</ins>" in second
    assert "<ins>Navn 29</ins>" not in second and "Nyere ændringer" in second and "Ældre ændringer" not in second
    assert client.get(f"/organisation/{unit_id}?historik=x").status_code == 200  # an odd page: the first
    # arguments named like the address's own parts or like url_for's are not carried into the links
    odd = html(client.get(f"/organisation/{unit_id}?unit_id=9&_external=1&_anchor=x&vis=1"))
    assert f'href="/organisation/{unit_id}?vis=1&amp;historik=2#historik" rel="next"' in odd


def test_the_requirement_pages_history_is_paged_too(app, client, login, catalogs):
    from conftest import html
    from register.catalogs.models import Requirement

    with app.app_context():
        rid = db.session.execute(sa.select(Requirement.id).where(Requirement.ref == "21.2.d")).scalar_one()
    login("security")
    for version, person in enumerate([f"Person {i:02d}" for i in range(30)]):
        response = client.post(f"/krav/{rid}/vurdering", data={
            "applicable": "yes", "applicability_reason": "", "status": "planned", "maturity": "",
            "responsible_unit_id": "", "responsible_person": person, "next_review": "", "notes": "",
            "version": str(version)})
        assert response.status_code == 302
    first = html(client.get(f"/krav/{rid}"))
    # the catalogue's own entry for the requirement, then thirty saves of its assessment
    assert "Ændring 1–25 af 31, nyeste først" in first and "<ins>Person 29</ins>" in first
    assert "<ins>Person 04</ins>" not in first
    second = html(client.get(f"/krav/{rid}?historik=2"))
    assert "Ændring 26–31 af 31, nyeste først" in second and "<ins>Person 04</ins>" in second
    assert "Kravtekst (katalog)" in second and "Kravtekst (katalog)" not in first
