"""The unit tree: browse, create, edit, conflicts and validation."""
import sqlalchemy as sa

from register.extensions import db
from register.organisation.models import Unit, UnitKind

from conftest import html


def test_tree_lists_units_with_hierarchy(client, login, make_unit):
    root = make_unit(name="Fjordby Kommune", kind=UnitKind.MUNICIPALITY)
    area = make_unit(name="Teknik og Miljø", kind=UnitKind.DIRECTORATE, parent_id=root)
    make_unit(name="Natur og Miljø", kind=UnitKind.CENTRE, parent_id=area, leader_name="Ida", contact_email="n@x.dk")
    login("board")
    page = html(client.get("/organisation/"))
    assert page.index("Fjordby Kommune") < page.index("Teknik og Miljø") < page.index("Natur og Miljø")
    assert 'class="tree-cell depth-2"' in page and "n@x.dk" in page and "Center" in page


def test_unit_page_shows_its_place_children_and_history(client, login, make_unit):
    root = make_unit(name="Fjordby Kommune", kind=UnitKind.MUNICIPALITY)
    area = make_unit(name="Teknik og Miljø", kind=UnitKind.DIRECTORATE, parent_id=root)
    make_unit(name="Vej og Park", parent_id=area)
    login("board")
    page = html(client.get(f"/organisation/{area}"))
    assert "Fjordby Kommune" in page and "Vej og Park" in page and "Oprettet" in page


def test_admin_creates_a_unit(app, client, login, make_unit):
    root = make_unit(name="Fjordby Kommune", kind=UnitKind.MUNICIPALITY)
    login("admin")
    response = client.post("/organisation/ny", data={"name": "Beredskab", "kind": "department",
                                                      "parent_id": str(root), "version": "0", "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        unit = db.session.execute(sa.select(Unit).where(Unit.name == "Beredskab")).scalar_one()
        assert unit.parent_id == root and unit.kind == UnitKind.DEPARTMENT


def test_invalid_unit_form_is_reshown_with_danish_errors_and_nothing_saved(app, client, login):
    login("admin")
    response = client.post("/organisation/ny", data={"name": "", "kind": "department", "parent_id": "",
                                                      "contact_email": "ikke-en-mail", "version": "0"})
    assert response.status_code == 422
    page = html(response)
    assert "Enheden skal have et navn." in page and "Ugyldig e-mailadresse." in page
    assert 'value="ikke-en-mail"' in page  # what the user typed is kept
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Unit.id))).scalar() == 0


def test_unknown_parent_is_refused(client, login):
    login("admin")
    response = client.post("/organisation/ny", data={"name": "X", "kind": "team", "parent_id": "9999",
                                                      "version": "0"})
    assert response.status_code == 422


def test_a_unit_cannot_be_moved_under_its_own_child(app, client, login, make_unit):
    parent = make_unit(name="Forælder")
    child = make_unit(name="Barn", parent_id=parent)
    login("admin")
    response = client.post(f"/organisation/{parent}/rediger", data={"name": "Forælder", "kind": "department",
                                                                    "parent_id": str(child), "version": "1"})
    assert response.status_code == 422
    assert "under sig selv" in html(response)
    with app.app_context():
        assert db.session.get(Unit, parent).parent_id is None


def test_concurrent_edit_is_refused_and_shows_what_changed(app, client, login, make_unit):
    unit_id = make_unit(name="Original")
    login("admin")
    form = html(client.get(f"/organisation/{unit_id}/rediger"))
    assert 'name="version" type="hidden" value="1"' in form
    with app.app_context():  # someone else saves first
        db.session.get(Unit, unit_id).leader_name = "Anden bruger"
        db.session.commit()
    response = client.post(f"/organisation/{unit_id}/rediger",
                           data={"name": "Mit navn", "kind": "department", "parent_id": "", "version": "1"})
    assert response.status_code == 409
    page = html(response)
    assert "ændret af en anden" in page and "Anden bruger" in page
    assert 'value="Mit navn"' in page  # the user's input is not lost
    with app.app_context():
        unit = db.session.get(Unit, unit_id)
        assert (unit.name, unit.leader_name, unit.version) == ("Original", "Anden bruger", 2)


def test_missing_unit_is_404(client, login):
    login("board")
    assert client.get("/organisation/424242").status_code == 404


def test_each_save_advances_the_version_so_a_stale_form_is_refused(app, client, login, make_unit):
    """Regression: the hidden version field must never be copied onto the record (found by bench/load.py)."""
    unit_id = make_unit(name="Tæller", contact_phone="0")
    login("admin")
    data = {"name": "Tæller", "kind": "department", "parent_id": "", "version": "1", "contact_phone": "1"}
    assert client.post(f"/organisation/{unit_id}/rediger", data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Unit, unit_id).version == 2
    stale = client.post(f"/organisation/{unit_id}/rediger", data={**data, "contact_phone": "2"})
    assert stale.status_code == 409
    with app.app_context():
        assert db.session.get(Unit, unit_id).contact_phone == "1"


def test_a_race_between_check_and_save_is_a_conflict_not_an_error(app, client, login, make_unit, monkeypatch):
    from register.organisation import views

    unit_id = make_unit(name="Kapløb")
    login("admin")

    def save_and_race(form, unit):
        original(form, unit)
        with app.app_context():  # another process commits first
            from sqlalchemy import update
            db.session.execute(update(Unit).where(Unit.id == unit_id).values(version=Unit.version + 1))
            db.session.commit()

    original = views._save
    monkeypatch.setattr(views, "_save", save_and_race)
    response = client.post(f"/organisation/{unit_id}/rediger",
                           data={"name": "Min", "kind": "department", "parent_id": "", "version": "1"})
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(Unit, unit_id).name == "Kapløb"
