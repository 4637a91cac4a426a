"""Figures kept until the data changes (core.cache): a second read is cheap, and a change shows at once."""
import re

import sqlalchemy as sa

from register.catalogs.models import Requirement
from register.core import cache
from register.extensions import db

from conftest import html


def _without_csrf(page: str) -> str:
    """The signed CSRF token carries a timestamp, so it differs between two requests a second apart."""
    return re.sub(r'(csrf_token" value="|X-CSRFToken": ")[^"]+', r"\1", page)


def _implemented(page: str) -> str:
    return page.split("implementeret (", 1)[1].split(")", 1)[0]


def test_the_dashboard_is_computed_once_per_state_of_the_data(app, client, login, catalogs, count_queries):
    login("security")
    with count_queries() as cold:
        first = html(client.get("/krav/overblik"))
    with count_queries() as warm:
        second = html(client.get("/krav/overblik"))
    assert _without_csrf(first) == _without_csrf(second)
    assert warm.count <= cold.count - 3  # the figures' own queries are skipped; the stamp is one query
    assert app.extensions["register.figures_cache"].hits >= 1


def test_a_saved_assessment_shows_on_the_dashboard_at_once(app, client, login, catalogs):
    login("security")
    before = _implemented(html(client.get("/krav/overblik")))
    with app.app_context():
        rid = db.session.execute(sa.select(Requirement.id).where(Requirement.ref == "21.2.d")).scalar_one()
    response = client.post(f"/krav/{rid}/vurdering", data={
        "applicable": "yes", "applicability_reason": "", "status": "implemented", "maturity": "3",
        "responsible_unit_id": "", "responsible_person": "", "next_review": "", "notes": "", "version": "0"})
    assert response.status_code == 302
    after = _implemented(html(client.get("/krav/overblik")))
    assert before.split(" af ")[0] != after.split(" af ")[0]
    assert int(after.split(" af ")[0]) == int(before.split(" af ")[0]) + 1


def test_the_dashboards_drawn_figures_are_kept_apart_per_date(app, client, login, catalogs):
    login("security")
    with app.app_context():
        rid = db.session.execute(sa.select(Requirement.id).where(Requirement.ref == "21.2.d")).scalar_one()
    client.post(f"/krav/{rid}/vurdering", data={
        "applicable": "yes", "applicability_reason": "", "status": "implemented", "maturity": "3",
        "responsible_unit_id": "", "responsible_person": "", "next_review": "", "notes": "", "version": "0"})
    client.get("/krav/")  # shows the save's message
    today = html(client.get("/krav/overblik"))
    past = html(client.get("/krav/overblik?as_of=2000-01-01"))
    assert _implemented(today).startswith("1 af ") and not _implemented(past).startswith("1 af ")
    assert "Status ved udgangen af" in past and "Status ved udgangen af" not in today
    assert _without_csrf(html(client.get("/krav/overblik"))) == _without_csrf(today)


def test_the_stamp_changes_with_every_commit(app, catalogs, make_unit):
    with app.app_context():
        first = cache.data_version()
    make_unit(name="Ny enhed")
    with app.app_context():
        second = cache.data_version()
    assert first[0] > 0 and second[0] > first[0] and second[1] != first[1]


def test_an_export_after_a_change_holds_the_change(app, client, login, catalogs):
    login("security")
    with app.app_context():
        rid = db.session.execute(sa.select(Requirement.id).where(Requirement.ref == "21.2.d")).scalar_one()
    before = client.get("/krav/eksport.csv?catalog=nis2").data.decode("utf-8-sig")
    assert client.get("/krav/eksport.csv?catalog=nis2").data.decode("utf-8-sig") == before
    client.post(f"/krav/{rid}/vurdering", data={
        "applicable": "yes", "applicability_reason": "", "status": "implemented", "maturity": "3",
        "responsible_unit_id": "", "responsible_person": "Ida Hansen", "next_review": "", "notes": "",
        "version": "0"})
    after = client.get("/krav/eksport.csv?catalog=nis2").data.decode("utf-8-sig")
    assert "Ida Hansen" in after and "Ida Hansen" not in before


def test_the_stamp_is_read_once_per_request_and_forgotten_when_the_data_changes(app, catalogs, count_queries):
    from register.organisation.models import Unit, UnitKind

    with app.test_request_context("/"):
        with count_queries() as counter:
            first = cache.data_version()
            assert cache.data_version() == first
        assert counter.count == 1
        db.session.add(Unit(name="Ny enhed", kind=UnitKind.DEPARTMENT))
        db.session.flush()  # the change is in the change log of this transaction
        changed = cache.data_version()
        assert changed[0] > first[0]
        db.session.rollback()
        assert cache.data_version() == first
    with app.app_context(), count_queries() as counter:  # outside a request nothing is kept
        cache.data_version()
        cache.data_version()
    assert counter.count == 2


def _units_figure(page: str) -> int:
    return int(page.split("organisatoriske enheder", 1)[0].rsplit('<span class="figure-value">', 1)[1].split("<")[0])


def test_the_start_page_counts_follow_the_data(client, login, catalogs, make_unit):
    login("board")
    before = _units_figure(html(client.get("/")))
    assert _units_figure(html(client.get("/"))) == before  # kept
    make_unit(name="Ny enhed")
    assert _units_figure(html(client.get("/"))) == before + 1


def test_a_page_reads_the_user_and_the_stamp_in_one_statement(app, client, login, catalogs, count_queries):
    """On PostgreSQL each statement is a round trip; the page that only draws the layout needs one."""
    login("board")
    client.get("/tilgaengelighed")
    with count_queries() as counter:
        assert client.get("/tilgaengelighed").status_code == 200
    assert counter.count == 1 and "user_account" in counter.statements[0] and "change_log" in counter.statements[0]
    # and the stamp read along with the user is the one figures are kept under: a change still shows at once
    before = _units_figure(html(client.get("/")))
    with app.app_context():
        from register.organisation.models import Unit, UnitKind
        db.session.add(Unit(name="Ny enhed", kind=UnitKind.DEPARTMENT))
        db.session.commit()
    assert _units_figure(html(client.get("/"))) == before + 1
