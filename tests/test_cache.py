"""Figures kept until the data changes (core.cache): a second read is cheap, and a change shows at once."""
import sqlalchemy as sa

from register.catalogs.models import Requirement
from register.core import cache
from register.extensions import db

from conftest import html


def _implemented(page: str) -> str:
    return page.split("implementeret (", 1)[1].split(")", 1)[0]


def test_the_dashboard_is_computed_once_per_state_of_the_data(app, client, login, catalogs, count_queries):
    login("security")
    with count_queries() as cold:
        first = html(client.get("/krav/overblik"))
    with count_queries() as warm:
        second = html(client.get("/krav/overblik"))
    assert first == second
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
