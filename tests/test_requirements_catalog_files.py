"""Loading CISO Assistant libraries (file, CLI and upload), with the shipped catalogues' idempotence rules."""
import io
import textwrap

import pytest
import sqlalchemy as sa

from register.catalogs import loader
from register.catalogs.models import Catalog, Requirement
from register.core.history import ChangeLog
from register.extensions import db
from register.requirements.models import ImplementationStatus

from conftest import html
from requirement_helpers import assess, assessment

# Shaped like backend/library/libraries/*.yaml in intuitem/ciso-assistant-community.
LIBRARY = textwrap.dedent("""\
    urn: urn:intuitem:risk:library:dk-minimumskrav
    locale: da
    ref_id: DK-MIN
    name: Tekniske minimumskrav
    description: Statens tekniske minimumskrav
    copyright: Eget materiale
    version: {version}
    publication_date: 2024-01-01
    provider: Test
    packager: intuitem
    objects:
      framework:
        urn: urn:intuitem:risk:framework:dk-minimumskrav
        ref_id: DK-MIN
        name: Tekniske minimumskrav
        description: Krav til statslige myndigheder
        translations:
          en:
            name: Technical minimum requirements
        requirement_nodes:
        - urn: urn:intuitem:risk:req_node:dk-minimumskrav:adgang
          assessable: false
          depth: 1
          name: Adgangsstyring (art. 21)
          translations:
            en:
              name: Access control
        - urn: urn:intuitem:risk:req_node:dk-minimumskrav:1.1
          assessable: true
          depth: 2
          parent_urn: urn:intuitem:risk:req_node:dk-minimumskrav:adgang
          ref_id: '1.1'
          description: "{text}"
          annotation: Se vejledningen.
        - urn: urn:intuitem:risk:req_node:dk-minimumskrav:1.2
          assessable: true
          depth: 2
          parent_urn: urn:intuitem:risk:req_node:dk-minimumskrav:adgang
          ref_id: '1.2'
          name: Logning
    """)


def _library(version=1, text="Multifaktor-autentificering på alle fjernadgange"):
    return LIBRARY.format(version=version, text=text)


def _reqs(app):
    with app.app_context():
        return {r.ref: (r.id, r.display_ref, r.title_da, r.title_en, r.parent_id, r.attributes, r.text_da, r.retired)
                for r in db.session.execute(sa.select(Requirement).join(Catalog)
                                            .where(Catalog.code == "dk-minimumskrav")).scalars()}


def test_a_library_loads_as_a_catalogue(app):
    with app.app_context():
        result = loader.load_text(_library(), "dk.yaml")
        db.session.commit()
        catalog = db.session.execute(sa.select(Catalog).where(Catalog.code == "dk-minimumskrav")).scalar_one()
        assert (catalog.title_da, catalog.title_en, catalog.version, catalog.licence) == (
            "Tekniske minimumskrav", "Technical minimum requirements", "1", "Eget materiale")
    assert (result.created, result.updated) == (3, 0)
    reqs = _reqs(app)
    assert set(reqs) == {"adgang", "1.1", "1.2"}
    group, first = reqs["adgang"], reqs["1.1"]
    assert group[2:4] == ("Adgangsstyring (art. 21)", "Access control") and group[5]["assessable"] is False
    assert first[1] == "1.1" and first[4] == group[0] and first[5]["assessable"] is True
    assert first[2] == "Multifaktor-autentificering på alle fjernadgange"  # no name: the description is the title
    assert "Se vejledningen." in first[6]


def test_reloading_a_library_is_idempotent_and_keeps_assessments(app):
    with app.app_context():
        loader.load_text(_library(), "dk.yaml")
        db.session.commit()
    assess(app, "dk-minimumskrav:1.2", status=ImplementationStatus.IMPLEMENTED)
    with app.app_context():
        before = db.session.execute(sa.select(sa.func.count(ChangeLog.id))).scalar()
        again = loader.load_text(_library(), "dk.yaml")
        db.session.commit()
        assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
        assert db.session.execute(sa.select(sa.func.count(ChangeLog.id))).scalar() == before
    ids = {ref: r[0] for ref, r in _reqs(app).items()}
    newer = _library(version=2, text="Ny tekst").replace(
        "    - urn: urn:intuitem:risk:req_node:dk-minimumskrav:1.2\n",
        "    - urn: urn:intuitem:risk:req_node:dk-minimumskrav:1.3\n")
    with app.app_context():
        result = loader.load_text(newer, "dk.yaml")
        db.session.commit()
    assert (result.created, result.updated, result.retired) == (1, 1, 1)
    reqs = _reqs(app)
    assert reqs["1.1"][0] == ids["1.1"] and reqs["1.2"][7] is True
    assert assessment(app, "dk-minimumskrav:1.2").status == ImplementationStatus.IMPLEMENTED


@pytest.mark.parametrize("mutate,message,line", [
    (lambda t: t.replace("parent_urn: urn:intuitem:risk:req_node:dk-minimumskrav:adgang\n      ref_id: '1.2'",
                         "parent_urn: urn:intuitem:risk:req_node:dk-minimumskrav:ukendt\n      ref_id: '1.2'"),
     "parent_urn", 35),
    (lambda t: t.replace("urn: urn:intuitem:risk:req_node:dk-minimumskrav:1.2",
                         "urn: urn:intuitem:risk:req_node:dk-minimumskrav:1.1"),
     "findes allerede (linje 28)", 35),
    (lambda t: t.replace("version: 1\n", ""), "'version' mangler", 1),
    (lambda t: t.replace("    - urn: urn:intuitem:risk:req_node:dk-minimumskrav:1.2\n", "    - title: x\n"),
     "'urn' mangler", 35),
    (lambda t: t.replace("  framework:", "  risk_matrix:"), "intet framework", 12),
    (lambda t: t.replace("name: Logning", "name: [Logning"), "ugyldig YAML", 41),
])
def test_malformed_library_is_refused_with_line_and_reason(app, mutate, message, line):
    with app.app_context():
        with pytest.raises(loader.CatalogFileError) as err:
            loader.load_text(mutate(_library()), "dk.yaml")
        db.session.rollback()
        assert message in str(err.value) and err.value.line == line, str(err.value)
        assert db.session.execute(sa.select(Catalog.id).where(Catalog.code == "dk-minimumskrav")).first() is None


def test_cli_loads_a_library(app, tmp_path):
    path = tmp_path / "dk.yaml"
    path.write_text(_library(), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["catalogs", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "dk-minimumskrav 1: 3 new" in result.output


def test_administrator_uploads_a_catalogue(app, client, login):
    login("admin")
    response = client.post("/krav/kataloger/indlaes", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(_library().encode()), "dk.yaml")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/kataloger/dk-minimumskrav")
    assert "3 nye" in html(client.get("/kataloger/dk-minimumskrav"))
    assert len(_reqs(app)) == 3


def test_a_bad_upload_is_refused_with_line_and_nothing_loaded(app, client, login):
    login("admin")
    bad = _library().replace("name: Logning", "name: [Logning")
    response = client.post("/krav/kataloger/indlaes", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(bad.encode()), "dk.yaml")})
    assert response.status_code == 422
    assert "Intet er indlæst" in html(response) and "linje 41" in html(response)
    assert _reqs(app) == {}


def test_upload_page_linked_for_administrators_only(client, login, catalogs):
    login("admin")
    assert "/krav/kataloger/indlaes" in html(client.get("/kataloger/"))
    login("security")
    assert "/krav/kataloger/indlaes" not in html(client.get("/kataloger/"))
