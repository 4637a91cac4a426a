"""List rows drawn once per content and kept (core/rows.py): never stale, per language and role, bounded."""
import re

import sqlalchemy as sa

from register.catalogs.models import Catalog, Requirement
from register.core.rows import RowStore
from register.extensions import db

from conftest import html


def _row_of(page: str, ref: str) -> str:
    """The requirement list's row whose reference is `ref`."""
    return next(row for row in page.split("<tr>") if f'<span class="ref">{ref}</span>' in row)


def _rows_store(app) -> RowStore:
    return app.extensions["register.rows"]


def test_a_second_view_draws_no_row_again_and_a_change_shows_at_once(app, client, login, catalogs):
    login("security")
    first = html(client.get("/krav/?catalog=nis2"))
    store = _rows_store(app)
    hits, misses = store.hits, store.misses
    assert html(client.get("/krav/?catalog=nis2")).count("<tr>") == first.count("<tr>")
    assert store.misses == misses and store.hits - hits == first.count("<tr>") - 1  # every row but the header's
    with app.app_context():
        rid = db.session.execute(sa.select(Requirement.id).join(Catalog).where(
            Catalog.code == "nis2", Requirement.ref == "21.2.a")).scalar_one()
    form = html(client.get(f"/krav/{rid}/vurdering"))
    version = re.search(r'name="version"[^>]*value="(\d+)"', form)[1]
    assert client.post(f"/krav/{rid}/vurdering", data={
        "applicable": "yes", "applicability_reason": "", "status": "implemented", "maturity": "3",
        "responsible_unit_id": "", "responsible_person": "Ida Hansen", "next_review": "2027-03-01", "notes": "",
        "version": version}).status_code == 302
    row = _row_of(html(client.get("/krav/?catalog=nis2")), "21(2)(a)")
    assert "Implementeret" in row and "Ida Hansen" in row and ">3</abbr>" in row


def test_rows_are_kept_per_language_and_per_role(client, login, catalogs):
    login("security")
    danish = html(client.get("/krav/?catalog=nis2"))
    assert 'class="row-select"' in danish and "Ikke vurderet" in danish
    login("board")  # may read, not edit: no checkbox to choose rows, though an editor's rows are kept
    assert 'class="row-select"' not in html(client.get("/krav/?catalog=nis2"))
    assert client.post("/konto/sprog", data={"language": "en", "next": "/krav/"}).status_code == 302
    english = html(client.get("/krav/?catalog=nis2"))
    assert "Not assessed" in english and "Ikke vurderet" not in english


def test_a_refused_bulk_edit_keeps_the_chosen_rows_ticked(app, client, login, catalogs):
    login("security")
    client.get("/krav/")  # the rows are kept unticked first
    with app.app_context():
        chosen = db.session.execute(sa.select(Requirement.id).order_by(Requirement.id).limit(2)).scalars().all()
    response = client.post("/krav/masseredigering", data={"ids": [str(i) for i in chosen]})
    assert response.status_code == 422
    ticked = set(re.findall(r'name="ids" value="(\d+)"[^>]*checked', html(response)))
    assert ticked == {str(i) for i in chosen}


def test_the_store_keeps_the_most_recently_shown_rows(app, client, login, catalogs):
    login("board")
    app.extensions["register.rows"] = store = RowStore(limit=30)
    page = html(client.get("/krav/"))
    assert page.count("<tr>") > 30 and len(store.entries) == 30
    misses = store.misses
    client.get("/krav/")  # the first rows of the page were dropped for the last ones: drawn again
    assert store.misses > misses and len(store.entries) == 30


def test_kept_rows_are_escaped_like_the_rest_of_the_page(app, client, login, catalogs):
    with app.app_context():
        req = db.session.execute(sa.select(Requirement).join(Catalog).where(
            Catalog.code == "nis2", Requirement.ref == "21.2.a")).scalar_one()
        req.title_da = '<script>alert("x")</script> Politikker'
        db.session.commit()
    login("board")
    row = _row_of(html(client.get("/krav/?catalog=nis2")), "21(2)(a)")
    assert "<script>" not in row and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Politikker" in row


def test_a_requirements_history_rows_are_kept_and_show_a_renamed_unit_at_once(app, client, login, catalogs,
                                                                            make_unit):
    """History entries never change once written; what their rows show besides the entry (the units' names
    as they are now, the language) is part of the key."""
    from register.organisation.models import Unit

    unit = make_unit(name="Digitalisering")
    with app.app_context():
        rid = db.session.execute(sa.select(Requirement.id).join(Catalog).where(
            Catalog.code == "nis2", Requirement.ref == "21.2.a")).scalar_one()
    login("security")
    form = html(client.get(f"/krav/{rid}/vurdering"))
    version = re.search(r'name="version"[^>]*value="(\d+)"', form)[1]
    assert client.post(f"/krav/{rid}/vurdering", data={
        "applicable": "yes", "applicability_reason": "", "status": "partly", "maturity": "",
        "responsible_unit_id": str(unit), "responsible_person": "", "next_review": "", "notes": "",
        "version": version}).status_code == 302
    danish = html(client.get(f"/krav/{rid}"))
    assert "<ins>Digitalisering</ins>" in danish and "<ins>Delvist</ins>" in danish
    store = _rows_store(app)
    misses = store.misses
    html(client.get(f"/krav/{rid}"))
    assert store.misses == misses  # nothing drawn again
    with app.app_context():
        db.session.get(Unit, unit).name = "Digitalisering og IT"
        db.session.commit()
    page = html(client.get(f"/krav/{rid}"))
    assert "<ins>Digitalisering og IT</ins>" in page and "<ins>Digitalisering</ins>" not in page
    assert client.post("/konto/sprog", data={"language": "en", "next": "/"}).status_code == 302
    english = html(client.get(f"/krav/{rid}"))
    assert "<ins>Partial</ins>" in english and "<ins>Delvist</ins>" not in english
