"""The requirement workspace: list and filters, assessment, locking, evidence, bulk edit, history."""
import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa

from register.catalogs.models import Catalog, Requirement
from register.core.dates import local_today
from register.core.history import ChangeLog
from register.core.i18n import date_filter
from register.extensions import db
from register.requirements import services
from register.requirements.models import ImplementationStatus, RequirementAssessment, RequirementEvidence

from conftest import html
from requirement_helpers import assess, assessment, req_id


def listed_refs(page: str) -> list[str]:
    import re

    return re.findall(r'<span class="ref">([^<]+)</span><br><span class="muted small">', page)


# --- list, filters, search -------------------------------------------------------------------------------------

def test_list_shows_every_catalogue_and_nav_leads_to_it(client, login, catalogs):
    login("board")
    page = html(client.get("/krav/"))
    assert ">Krav</a>" in html(client.get("/")) and 'href="/krav/"' in page
    assert 'href="/kataloger/"' in page and ">Kataloger</a>" in page
    assert "67 krav" in page  # 27 NIS2 + 18 CIS + 22 beredskab
    assert "21(2)(d)" in page and "CIS 7" in page
    assert "HOB 7" in html(client.get("/krav/?page=2"))
    assert "Ikke vurderet" in page


def _row_of(page: str, ref: str) -> str:
    return next(row for row in page.split("<tr>") if f'<span class="ref">{ref}</span>' in row)


def test_each_row_shows_its_own_assessment(app, client, login, catalogs, make_unit):
    it = make_unit(name="IT-afdelingen")
    review = local_today() + dt.timedelta(days=40)
    assess(app, "nis2:21.2.d", status=ImplementationStatus.PARTLY, maturity=2, responsible_unit_id=it,
           responsible_person="Søren <SOC>", next_review=review)
    assess(app, "nis2:21.2.a", applicable=False, applicability_reason="Dækkes af koncernen")
    assess(app, "cis-v8:7", status_from_controls=True)
    login("security")
    page = html(client.get("/krav/"))
    row = _row_of(page, "21(2)(d)")
    assert "Delvist" in row and "IT-afdelingen" in row and "Søren &lt;SOC&gt;" in row and "<abbr" in row
    assert f'href="/krav/{req_id(app, "nis2:21.2.d")}"' in row and "Forsyningskædesikkerhed" in row
    assert f'value="{req_id(app, "nis2:21.2.d")}"' in row and 'aria-label="Vælg 21(2)(d)"' in row
    assert "<td>21</td>" in row  # its area
    with app.test_request_context():
        assert date_filter(review) in row
    assert "Ikke relevant" in _row_of(page, "21(2)(a)") and "Ikke vurderet" not in _row_of(page, "21(2)(a)")
    untouched = _row_of(page, "21(2)(b)")
    assert "Ikke vurderet" in untouched and "<abbr" not in untouched and "IT-afdelingen" not in untouched
    assert "(fra tiltag)" in _row_of(html(client.get("/krav/?catalog=cis-v8")), "CIS 7")
    client.post("/konto/sprog", data={"language": "en", "next": "/"})
    assert "Supply chain security" in _row_of(html(client.get("/krav/")), "21(2)(d)")


@pytest.mark.parametrize("query,expected", [
    ("21(2)(d)", ["21(2)(d)"]),
    ("CIS 7", ["CIS 7"]),
    ("cis 7", ["CIS 7"]),
    ("21.2.d", ["21(2)(d)"]),
    ("Forsyningskædesikkerhed", ["21(2)(d)"]),
])
def test_search_by_reference_or_text(client, login, catalogs, query, expected):
    login("board")
    assert listed_refs(html(client.get("/krav/", query_string={"q": query}))) == expected


def test_search_treats_like_wildcards_as_text(client, login, catalogs):
    login("board")
    assert "Ingen krav passer" in html(client.get("/krav/", query_string={"q": "%_"}))


def test_filter_by_catalogue_area_unit_status_maturity(app, client, login, catalogs, make_unit):
    it = make_unit(name="IT-afdelingen")
    assess(app, "nis2:21.2.d", status=ImplementationStatus.PLANNED, maturity=2, responsible_unit_id=it)
    assess(app, "cis-v8:7", status=ImplementationStatus.IMPLEMENTED, maturity=4, responsible_unit_id=it)
    assess(app, "nis2:21.2.a", applicable=False, applicability_reason="Dækkes af koncernen")
    login("board")

    def get(**args):
        return listed_refs(html(client.get("/krav/", query_string=args)))

    assert len(get(catalog="cis-v8")) == 18
    nis2_21 = req_id(app, "nis2:21")
    assert get(catalog="nis2", area=nis2_21)[:3] == ["21", "21(1)", "21(2)"]
    assert "20(1)" not in get(catalog="nis2", area=nis2_21)
    assert get(unit=it) == ["21(2)(d)", "CIS 7"]
    assert get(status="planned") == ["21(2)(d)"]
    assert get(status="na") == ["21(2)(a)"]
    assert "65 krav" in html(client.get("/krav/?status=none"))  # not applicable (no status) counts as "none" too
    assert get(maturity="4") == ["CIS 7"]
    assert get(unit=it, sort="maturity", desc="1") == ["CIS 7", "21(2)(d)"]


def test_review_overdue_filter(app, client, login, catalogs):
    yesterday = local_today() - dt.timedelta(days=2)
    assess(app, "nis2:21.2.b", next_review=yesterday)
    assess(app, "nis2:21.2.c", next_review=local_today() + dt.timedelta(days=30))
    assess(app, "nis2:21.2.e", next_review=yesterday, applicable=False, applicability_reason="x")
    login("board")
    assert listed_refs(html(client.get("/krav/?overdue=1"))) == ["21(2)(b)"]


def test_filter_state_is_kept_in_links_and_paging(app, client, login, catalogs):
    app.config["PAGE_SIZE"] = 10
    login("board")
    page = html(client.get("/krav/?catalog=cis-v8&sort=title"))
    assert "side 1 af 2" in page
    assert "/krav/?catalog=cis-v8&amp;sort=title&amp;page=2" in page
    assert "/krav/eksport.xlsx?catalog=cis-v8&amp;sort=title" in page
    second = html(client.get("/krav/?catalog=cis-v8&sort=title&page=2"))
    assert len(listed_refs(second)) == 8
    assert listed_refs(html(client.get("/krav/?catalog=cis-v8&page=99")))[-1] == "CIS 18"  # clamps to the last page



def test_a_search_counts_and_pages_its_matches(app, client, login, catalogs):
    """A search counts its matches in the same reading as the page; past the last page it shows the last."""
    app.config["PAGE_SIZE"] = 5
    login("board")
    everything = listed_refs(html(client.get("/krav/?catalog=cis-v8&q=cis")))
    first = html(client.get("/krav/?catalog=cis-v8&q=cis"))
    assert "18 krav" in first and "side 1 af 4" in first and len(listed_refs(first)) == 5
    last = html(client.get("/krav/?catalog=cis-v8&q=cis&page=4"))
    assert "side 4 af 4" in last and len(listed_refs(last)) == 3
    assert html(client.get("/krav/?catalog=cis-v8&q=cis&page=99")).count("<tr>") == last.count("<tr>")
    assert listed_refs(html(client.get("/krav/?catalog=cis-v8&q=cis&page=99"))) == listed_refs(last)
    assert everything == listed_refs(first)
    none = html(client.get("/krav/?q=ingen-krav-handler-om-dette"))
    assert "0 krav" in none and "Ingen krav passer til filtrene." in none

def _bulk_catalog(app, n: int) -> None:
    with app.app_context():
        catalog = Catalog(code="big", version="1", title_da="Stort katalog")
        db.session.add(catalog)
        db.session.flush()
        group = Requirement(catalog_id=catalog.id, ref="G", display_ref="G", title_da="Gruppe", position=0)
        db.session.add(group)
        db.session.flush()
        db.session.add_all([Requirement(catalog_id=catalog.id, ref=f"R{i}", display_ref=f"R {i}", parent_id=group.id,
                                        depth=1, title_da=f"Krav {i}", position=i + 1, search_text=f"krav {i}")
                            for i in range(n)])
        db.session.flush()
        ids = db.session.execute(sa.select(Requirement.id).where(Requirement.catalog_id == catalog.id,
                                                                 Requirement.parent_id.is_not(None))).scalars().all()
        db.session.add_all([RequirementAssessment(requirement_id=i, applicable=True,
                                                  status=ImplementationStatus.PLANNED, maturity=2,
                                                  next_review=dt.date(2020, 1, 1)) for i in ids[::2]])
        db.session.commit()


def test_the_count_follows_every_save(app, client, login, catalogs):
    """A save shows at once in the list's count, in every filter."""
    login("security")
    assert "0 krav" in html(client.get("/krav/?status=implemented"))
    assert "67 krav" in html(client.get("/krav/?page=2"))
    rid = req_id(app, "nis2:21.2.d")
    assert client.post(f"/krav/{rid}/vurdering", data=_form(status="implemented")).status_code == 302
    assert "1 krav" in html(client.get("/krav/?status=implemented"))
    assert "66 krav" in html(client.get("/krav/?status=none"))
    assert "67 krav" in html(client.get("/krav/"))


def test_the_list_count_groups_thousands_in_the_users_language(app, client, login):
    """A large catalogue's count reads as the other lists do: 1.200 in Danish, 1,200 in English."""
    login("board")
    _bulk_catalog(app, 1200)
    assert "1.200 krav" in html(client.get("/krav/?catalog=big&q=krav"))
    client.post("/konto/sprog", data={"language": "en", "next": "/"})
    assert "1,200 requirements" in html(client.get("/krav/?catalog=big&q=krav"))


@pytest.mark.parametrize("url", ["/krav/", "/krav/?sort=status&overdue=1", "/krav/?q=krav", "/krav/overblik",
                                 "/krav/anvendelighed?catalog=big"])
def test_list_and_dashboard_query_count_does_not_grow_with_the_data(app, client, login, count_queries, url,
                                                                   monkeypatch):
    login("security")
    _bulk_catalog(app, 10)
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    with app.app_context():
        db.session.execute(sa.delete(RequirementAssessment))
        db.session.execute(sa.delete(ChangeLog))
        db.session.execute(sa.delete(Requirement).where(Requirement.parent_id.is_not(None)))
        db.session.execute(sa.delete(Requirement))
        db.session.execute(sa.delete(Catalog))
        db.session.commit()
    _bulk_catalog(app, 1000)
    with count_queries() as large:
        assert client.get(url).status_code == 200
    assert small.count == large.count, (small.statements, large.statements)


# --- a requirement's page ----------------------------------------------------------------------------------------

def test_requirement_context_has_its_place_children_mappings_and_assessment(app, catalogs):
    from register.catalogs.models import MappingRelation

    with app.app_context():
        place, assessed = services.requirement_context(req_id(app, "nis2:21.2.c"))
        assert place.requirement.ref == "21.2.c" and assessed is None
        assert [r.ref for r in place.path] == ["21", "21.2"]  # from the top of the catalogue down
        assert place.children == []
        # mapped from this side, with relation and note, catalogue by catalogue in each one's order
        mapped = [(m.requirement.catalog.code, m.requirement.ref, m.relation, m.note) for m in place.mapped]
        assert sorted(mapped, key=lambda m: m[:2]) == sorted([
            ("cis-v8", "11", MappingRelation.SUPPORTS, "Backup og gendannelse"),
            ("beredskab", "bl25", MappingRelation.RELATED, "Driftskontinuitet og kommunens beredskabsplan"),
            ("beredskab", "pm.1", MappingRelation.RELATED, "Krisestyring"),
            ("beredskab", "pm.6", MappingRelation.RELATED, "Fortsat drift og genopretning"),
            ("beredskab", "hob.7", MappingRelation.RELATED, "Øvelse af kontinuitetsplaner")], key=lambda m: m[:2])
        keys = [(m.requirement.catalog_id, m.requirement.position) for m in place.mapped]
        assert keys == sorted(keys)

        top, assessed = services.requirement_context(req_id(app, "nis2:21.2"))
        assert top.path[0].ref == "21" and len(top.path) == 1 and assessed is None
        assert [c.ref for c in top.children] == [f"21.2.{letter}" for letter in "abcdefghij"]
        root, _ = services.requirement_context(req_id(app, "nis2:21"))
        assert root.path == [] and [c.ref for c in root.children] == ["21.1", "21.2", "21.3", "21.4"]
        # mapped to it from the other side
        cis17, _ = services.requirement_context(req_id(app, "cis-v8:17"))
        assert {(m.requirement.ref, m.relation) for m in cis17.mapped} == {
            ("21.2.b", MappingRelation.SUPPORTS), ("23", MappingRelation.RELATED)}
        assert services.requirement_context(10**9) is None
    assess(app, "nis2:21.2.c", status=ImplementationStatus.PARTLY)
    with app.app_context():
        place, assessed = services.requirement_context(req_id(app, "nis2:21.2.c"))
        assert assessed.status == ImplementationStatus.PARTLY and assessed.requirement_id == place.requirement.id


def test_requirement_page_reads_the_requirement_and_its_surroundings_in_one_statement(app, client, login, catalogs,
                                                                                       count_queries):
    """Its place, children, mappings and assessment were four round trips to PostgreSQL; and the controls its
    history names are the ones linked, already read."""
    from register.controls.models import Control, ControlRequirement

    rid = req_id(app, "nis2:21.2.c")
    assess(app, "nis2:21.2.c", status=ImplementationStatus.PARTLY)
    login("security")
    with app.app_context():
        control = Control(title="Daglig backup")
        db.session.add(control)
        db.session.flush()
        db.session.add(ControlRequirement(control_id=control.id, requirement_id=rid))
        db.session.commit()
    client.get(f"/krav/{rid}")
    with count_queries() as counter:
        page = html(client.get(f"/krav/{rid}"))
    assert "Minimumsforanstaltninger" in page and "CIS 11" in page and "Tiltag: Daglig backup" in page
    reads = [" ".join(s.split()) for s in counter.statements]
    about_it = [s for s in reads if re.search(r"FROM (requirement|requirement_assessment|requirement_mapping)\b", s)]
    assert len(about_it) == 1, about_it
    assert "requirement_assessment" in about_it[0] and "requirement_mapping" in about_it[0]
    assert not [s for s in reads if re.search(r"FROM control WHERE", s)], reads


# --- assessment: form, validation, locking, history -----------------------------------------------------------

def _form(**overrides):
    data = {"applicable": "yes", "applicability_reason": "", "status": "partly", "maturity": "3",
            "responsible_unit_id": "", "responsible_person": "Ida Jensen", "next_review": "2026-03-01",
            "notes": "Leverandøraftaler gennemgås", "version": "0"}
    return data | overrides


def test_assessment_is_saved_shown_and_in_history(app, client, login, catalogs, make_unit):
    unit = make_unit(name="Digitalisering")
    rid = req_id(app, "nis2:21.2.d")
    login("security")
    response = client.post(f"/krav/{rid}/vurdering", data=_form(responsible_unit_id=str(unit)))
    assert response.status_code == 302
    a = assessment(app, "nis2:21.2.d")
    assert (a.status, a.maturity, a.responsible_unit_id, a.next_review) == (
        ImplementationStatus.PARTLY, 3, unit, dt.date(2026, 3, 1))
    page = html(client.get(f"/krav/{rid}"))
    assert "Delvist" in page and "3 – Defineret" in page and "Digitalisering" in page and "Ida Jensen" in page
    assert "Praksis er dokumenteret" in page  # the scale's meaning is shown beside the score

    client.post(f"/krav/{rid}/vurdering", data=_form(status="implemented", version="1"))
    page = html(client.get(f"/krav/{rid}"))
    assert "Test security" in page and "Vurdering" in page
    assert "<del>Delvist</del> → <ins>Implementeret</ins>" in page


def test_a_status_change_takes_effect_today_or_on_a_backdated_day_recorded_in_the_history(app, client, login,
                                                                                       catalogs):
    rid = req_id(app, "nis2:21.2.d")
    login("security")
    assert client.post(f"/krav/{rid}/vurdering", data=_form()).status_code == 302
    assert assessment(app, "nis2:21.2.d").status_effective_on == local_today()
    backdated = _form(status="implemented", version="1", effective_on="2025-06-01")
    assert client.post(f"/krav/{rid}/vurdering", data=backdated).status_code == 302
    assert assessment(app, "nis2:21.2.d").status_effective_on == dt.date(2025, 6, 1)
    page = html(client.get(f"/krav/{rid}"))  # who backdated it, and when, is in the history
    assert "Status gælder fra" in page and "2025-06-01" in page and "Test security" in page
    unchanged = _form(status="implemented", version="2", notes="Ny note")  # the same status keeps its date
    assert client.post(f"/krav/{rid}/vurdering", data=unchanged).status_code == 302
    assert assessment(app, "nis2:21.2.d").status_effective_on == dt.date(2025, 6, 1)
    future = _form(status="partly", version="3", effective_on=(local_today() + dt.timedelta(days=1)).isoformat())
    response = client.post(f"/krav/{rid}/vurdering", data=future)
    assert response.status_code == 422 and "kan ikke ligge i fremtiden" in html(response)
    assert assessment(app, "nis2:21.2.d").status == ImplementationStatus.IMPLEMENTED


def test_a_save_does_not_read_the_user_or_the_requirement_again_after_its_commit(app, client, login, catalogs,
                                                                                 count_queries):
    """A commit expires what the session holds: the redirect and the response's headers must not load the
    requirement and the signed-in user a second time (two statements of nine per save). The answer is
    still marked not to be cached, as every page of a signed-in user is."""
    rid = req_id(app, "nis2:21.2.d")
    login("security")
    with count_queries() as save:
        response = client.post(f"/krav/{rid}/vurdering", data=_form())
    assert response.status_code == 302 and response.headers["Cache-Control"] == "no-store"
    reads = [s for s in save.statements if s.lstrip().upper().startswith("SELECT")]
    assert sum("FROM user_account" in s for s in reads) == 1, reads
    assert sum(bool(re.search(r"FROM requirement\b", s)) for s in reads) == 1, reads
    # the assessment comes with the requirement, in the same statement
    assert not any(re.search(r"FROM requirement_assessment\b", s) for s in reads), reads
    client.post("/konto/logout")
    assert "no-store" not in client.get("/konto/login").headers.get("Cache-Control", "")


def test_not_applicable_needs_a_reason_and_nothing_is_saved(app, client, login, catalogs):
    rid = req_id(app, "nis2:21.2.j")
    login("security")
    response = client.post(f"/krav/{rid}/vurdering", data=_form(applicable="no"))
    assert response.status_code == 422
    assert "Skriv hvorfor kravet ikke er relevant" in html(response)
    assert assessment(app, "nis2:21.2.j") is None
    response = client.post(f"/krav/{rid}/vurdering", data=_form(applicable="no", applicability_reason="Ingen MFA-brug"))
    assert response.status_code == 302
    assert assessment(app, "nis2:21.2.j").applicable is False


@pytest.mark.parametrize("field,value,message", [
    ("status", "done", "Ikke et gyldigt valg."),
    ("maturity", "7", "Ikke et gyldigt valg."),
    ("next_review", "31-02-2026", "Ugyldig dato. Skriv datoen som fx 2026-03-31."),
    ("responsible_person", "x" * 201, "Højst 200 tegn."),
])
def test_invalid_assessment_input_is_refused(app, client, login, catalogs, field, value, message):
    """In Danish: WTForms ships no Danish messages of its own (core.forms.DANISH_WTFORMS_MESSAGES)."""
    rid = req_id(app, "cis-v8:3")
    login("security")
    response = client.post(f"/krav/{rid}/vurdering", data=_form(**{field: value}))
    assert response.status_code == 422
    assert 'class="form-error-message"' in html(response) and message in html(response)
    assert "Not a valid" not in html(response) and "Field cannot" not in html(response)
    assert assessment(app, "cis-v8:3") is None


def test_an_english_reader_gets_the_form_messages_in_english(app, client, login, catalogs):
    rid = req_id(app, "cis-v8:3")
    login("security")
    client.post("/konto/sprog", data={"language": "en", "next": "/"})
    response = client.post(f"/krav/{rid}/vurdering", data=_form(status="done", next_review="31-02-2026"))
    assert response.status_code == 422
    assert "Not a valid choice." in html(response) and "Not a valid date value." in html(response)
    assert "Ikke et gyldigt valg" not in html(response)


def test_second_save_of_the_same_version_is_refused_with_the_changes(app, client, login, catalogs):
    rid = req_id(app, "nis2:21.2.b")
    login("security")
    assert client.post(f"/krav/{rid}/vurdering", data=_form(status="planned")).status_code == 302
    # Two people opened version 1; the first saves.
    assert client.post(f"/krav/{rid}/vurdering", data=_form(status="implemented", version="1")).status_code == 302
    response = client.post(f"/krav/{rid}/vurdering", data=_form(status="not_started", notes="min", version="1"))
    assert response.status_code == 409
    page = html(response)
    assert "Posten er ændret af en anden" in page and "implemented" in page
    assert assessment(app, "nis2:21.2.b").status == ImplementationStatus.IMPLEMENTED


def test_two_first_assessments_at_once_conflict_instead_of_failing(app, client, login, catalogs):
    rid = req_id(app, "nis2:21.2.c")
    login("security")
    assert client.post(f"/krav/{rid}/vurdering", data=_form(status="planned")).status_code == 302
    response = client.post(f"/krav/{rid}/vurdering", data=_form(status="implemented", version="0"))
    assert response.status_code == 409
    assert assessment(app, "nis2:21.2.c").status == ImplementationStatus.PLANNED


def test_catalogue_reload_keeps_the_assessment(app, catalogs):
    from register.catalogs import loader

    assess(app, "cis-v8:7", status=ImplementationStatus.IMPLEMENTED, notes="Scanning hver uge")
    with app.app_context():
        loader.load_shipped()
        db.session.commit()
    a = assessment(app, "cis-v8:7")
    assert a.status == ImplementationStatus.IMPLEMENTED and a.notes == "Scanning hver uge"


def test_old_catalogue_requirement_url_leads_to_the_requirement_page(app, client, login, catalogs):
    rid = req_id(app, "nis2:21.2.d")
    login("board")
    response = client.get(f"/kataloger/krav/{rid}")
    assert response.status_code == 301 and response.headers["Location"].endswith(f"/krav/{rid}")


def test_requirement_page_shows_other_parts_linked_items(app, client, login, catalogs, make_unit):
    """A part that links its records to requirements adds a section: here the units that own the requirement's
    assessment, under their own heading, in the order the part gives."""
    from register.organisation.models import Unit
    from register.requirements.links import LinkedItem, LinkProvider, ranked

    def linked(requirement_id):
        return (sa.select(*ranked(Unit.id, Unit.name.desc()))
                .join(RequirementAssessment, RequirementAssessment.responsible_unit_id == Unit.id)
                .where(RequirementAssessment.requirement_id == requirement_id))

    unit = make_unit(name="Digitalisering")
    assess(app, "nis2:21.2.d", responsible_unit_id=unit)
    app.blueprints["organisation"].requirement_links = [
        LinkProvider(50, "Enheder", Unit, linked, lambda units: [LinkedItem(u.name, f"/enhed/{u.id}") for u in units],
                     "Ingen enheder")]
    try:
        login("board")
        page = html(client.get(f"/krav/{req_id(app, 'nis2:21.2.d')}"))
        assert "<h2>Enheder</h2>" in page and f'<a href="/enhed/{unit}">Digitalisering</a>' in page
        # the other parts' sections are still there, after this one
        assert page.index("<h2>Enheder</h2>") < page.index("Fund på handlingsplanen") < page.index("Øvelser, der")
        other = html(client.get(f"/krav/{req_id(app, 'nis2:21.2.e')}"))
        assert "<h2>Enheder</h2>" in other and "Ingen enheder" in other
    finally:
        del app.blueprints["organisation"].requirement_links


# --- evidence ----------------------------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n%test\n"


def test_uploaded_file_is_stored_randomly_and_downloaded_as_attachment(app, client, login, catalogs, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    rid = req_id(app, "nis2:21.2.d")
    login("security")
    response = client.post(f"/krav/{rid}/dokumentation/fil", content_type="multipart/form-data",
                           data={"title": "Leverandørpolitik", "file": (io.BytesIO(PDF), "politik v2.pdf")})
    assert response.status_code == 302
    with app.app_context():
        ev = db.session.execute(sa.select(RequirementEvidence)).scalar_one()
        assert ev.filename == "politik_v2.pdf" and ev.stored_name != ev.filename and len(ev.stored_name) == 32
        assert (tmp_path / "uploads" / "evidence" / ev.stored_name).read_bytes() == PDF
        ev_id = ev.id
    login("board")
    download = client.get(f"/krav/dokumentation/{ev_id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.mimetype == "application/octet-stream"
    assert "Leverandørpolitik" in html(client.get(f"/krav/{rid}"))

    login("security")
    assert client.post(f"/krav/dokumentation/{ev_id}/slet").status_code == 302
    assert list((tmp_path / "uploads" / "evidence").iterdir()) == []
    assert "Dokumentation: Leverandørpolitik" in html(client.get(f"/krav/{rid}"))  # the deletion is in the history


@pytest.mark.parametrize("name,data,message", [
    ("script.html", b"<script>alert(1)</script>", "Filtypen er ikke tilladt"),
    ("fake.pdf", b"MZ\x90\x00", "passer ikke til filtypen"),
    ("empty.pdf", b"", "Filen er tom"),
    ("big.pdf", PDF + b"x" * 2048, "større end"),
])
def test_refused_uploads(app, client, login, catalogs, tmp_path, name, data, message):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    app.config["EVIDENCE_MAX_BYTES"] = 1024
    rid = req_id(app, "nis2:21.2.d")
    login("security")
    response = client.post(f"/krav/{rid}/dokumentation/fil", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(data), name)})
    assert response.status_code == 422
    assert message in html(response)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(RequirementEvidence.id))).scalar() == 0


def test_links_must_be_web_addresses(app, client, login, catalogs):
    rid = req_id(app, "cis-v8:1")
    login("security")
    assert client.post(f"/krav/{rid}/dokumentation/link", data={"url": "javascript:alert(1)"}).status_code == 422
    response = client.post(f"/krav/{rid}/dokumentation/link",
                           data={"url": "https://intranet.kommune.dk/aktivliste", "title": "Aktivliste"})
    assert response.status_code == 302
    assert 'href="https://intranet.kommune.dk/aktivliste"' in html(client.get(f"/krav/{rid}"))


# --- bulk edit ---------------------------------------------------------------------------------------------------

def test_bulk_edit_sets_fields_with_one_history_entry_per_record(app, client, login, catalogs, make_unit):
    unit = make_unit(name="Borgerservice")
    ids = [req_id(app, r) for r in ("nis2:21.2.a", "nis2:21.2.b", "cis-v8:5")]
    assess(app, "cis-v8:5", status=ImplementationStatus.PLANNED, notes="behold")
    login("security")
    with app.app_context():
        before = db.session.execute(sa.select(sa.func.count(ChangeLog.id))).scalar()
    response = client.post("/krav/masseredigering", data={
        "ids": [str(i) for i in ids], "status": "implemented", "unit": str(unit), "next_review": "2026-06-30",
        "return_to": "catalog=nis2&q=21"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/krav/?catalog=nis2&q=21")
    with app.app_context():
        rows = db.session.execute(sa.select(RequirementAssessment).where(
            RequirementAssessment.requirement_id.in_(ids))).scalars().all()
        assert {(a.status, a.responsible_unit_id, a.next_review) for a in rows} == {
            (ImplementationStatus.IMPLEMENTED, unit, dt.date(2026, 6, 30))}
        assert [a.notes for a in rows if a.requirement_id == ids[2]] == ["behold"]
        new = db.session.execute(sa.select(ChangeLog).where(ChangeLog.id > before)).scalars().all()
        assert sorted((e.entity, e.action.value) for e in new) == [
            ("requirement_assessment", "insert"), ("requirement_assessment", "insert"),
            ("requirement_assessment", "update")]


def test_bulk_edit_without_a_selection_or_change_is_refused(app, client, login, catalogs):
    login("security")
    response = client.post("/krav/masseredigering", data={"status": "implemented"})
    assert response.status_code == 422 and "Vælg mindst ét krav" in html(response)
    response = client.post("/krav/masseredigering", data={"ids": [str(req_id(app, "cis-v8:1"))]})
    assert response.status_code == 422 and "Vælg mindst én ændring" in html(response)
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(RequirementAssessment.id))).scalar() == 0


def test_bulk_edit_form_only_for_editors(client, login, catalogs):
    login("board")
    assert 'id="bulk-form"' not in html(client.get("/krav/"))
    login("security")
    assert 'id="bulk-form"' in html(client.get("/krav/"))


def test_areas_across_many_catalogues_wait_for_a_catalogue(app, client, login, monkeypatch):
    from register.requirements import services as req_services
    login("security")
    _bulk_catalog(app, 10)
    monkeypatch.setattr(req_services, "AREAS_ACROSS_CATALOGUES", 0)
    page = html(client.get("/krav/"))
    assert "vælg et katalog for at vælge område" in page
    area_select = page.split('id="area"', 1)[1].split("</select>", 1)[0]
    assert area_select.count("<option") == 1
    with app.app_context():
        area = db.session.execute(sa.select(Requirement).where(Requirement.parent_id.is_(None))).scalars().first()
        code, area_id = area.catalog.code, area.id
    chosen = html(client.get(f"/krav/?catalog={code}"))
    assert f'<option value="{area_id}"' in chosen.split('id="area"', 1)[1].split("</select>", 1)[0]
    kept = html(client.get(f"/krav/?area={area_id}"))
    assert f'<option value="{area_id}" selected' in kept  # a chosen area stays shown and selected
