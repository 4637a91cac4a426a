"""Shipped catalogues: counts, idempotent loading, upgrades that keep user data, browsing."""
import textwrap

import pytest
import sqlalchemy as sa

from register.catalogs import loader
from register.catalogs.models import Catalog, Requirement, RequirementMapping
from register.core.history import ChangeLog
from register.extensions import db

from conftest import html


def _by_ref(code):
    return {r.ref: r for r in db.session.execute(
        sa.select(Requirement).join(Catalog).where(Catalog.code == code)).scalars()}


def test_catalog_counts(app, catalogs):
    with app.app_context():
        summary = {c.code: (c.version, n) for c, n in loader.catalog_summaries()}
    assert summary == {"nis2": ("2022/2555", 27), "cis-v8": ("8.0", 18), "beredskab": ("2022", 22)}


def test_nis2_has_each_article_21_2_point_as_its_own_requirement(app, catalogs):
    with app.app_context():
        reqs = _by_ref("nis2")
        points = [r for r in reqs.values() if r.parent_id == reqs["21.2"].id]
        assert [r.display_ref for r in sorted(points, key=lambda r: r.position)] == [
            f"21(2)({c})" for c in "abcdefghij"]
        assert all(r.national_basis == "NIS 2-loven § 6" for r in points)
        assert reqs["20"].national_basis == "NIS 2-loven § 7"
        assert reqs["23.4.a"].attributes == {"deadline_hours": 24}
        assert reqs["23.4.b"].attributes == {"deadline_hours": 72}
        assert reqs["23.4.d"].attributes == {"deadline_months": 1}
        # § 12 is [S] in the reference (secondary sources only): named, but not presented as read
        assert reqs["23"].national_basis == "NIS 2-loven § 12 (sekundær kilde) og § 15"
        assert "ordlyden af § 12 er ikke læst" in reqs["23"].note


def test_nis2_titles_are_whole_and_follow_the_danish_act(app, catalogs):
    """An unquoted comma once cut 21(2)(e) and (i) to their first words; the titles follow NIS 2-loven § 6."""
    with app.app_context():
        reqs = _by_ref("nis2")
        assert reqs["21.2.e"].title_da == ("Sikkerhed ved erhvervelse, udvikling og vedligeholdelse af systemer, "
                                          "herunder sårbarhedshåndtering")
        assert "håndtering og offentliggørelse af sårbarheder" in reqs["21.2.e"].text_da
        assert reqs["21.2.i"].title_da == "Personalesikkerhed, adgangskontrolpolitikker og forvaltning af aktiver"
        assert reqs["21.2.i"].title_en == "Human resources security, access control policies and asset management"


def test_art_23_2_notification_of_recipients_is_in_the_catalogue(app, catalogs):
    with app.app_context():
        reqs = _by_ref("nis2")
        assert reqs["23.2"].display_ref == "23(2)"
        assert reqs["23.2"].national_basis == "NIS 2-loven § 15"
        assert reqs["23.2"].parent_id == reqs["23"].id
        assert reqs["23.4.c"].title_da == "Foreløbig rapport på anmodning"


def _mapping(source, target):
    s_code, s_ref = source.split(":")
    t_code, t_ref = target.split(":")
    src, tgt = _by_ref(s_code)[s_ref], _by_ref(t_code)[t_ref]
    return db.session.execute(sa.select(RequirementMapping).where(
        RequirementMapping.source_id == src.id, RequirementMapping.target_id == tgt.id)).scalar_one_or_none()


def test_mappings_are_not_overstated_and_cover_the_obvious_points(app, catalogs):
    with app.app_context():
        # continuity of network and information systems is not the whole municipality's continuity
        assert _mapping("nis2:21.2.c", "beredskab:pm.6").relation.value == "related"
        assert db.session.execute(sa.select(sa.func.count(RequirementMapping.id)).where(
            RequirementMapping.relation == "equivalent")).scalar() == 0
        for point in "abei":
            assert db.session.execute(sa.select(sa.func.count(RequirementMapping.id)).where(
                RequirementMapping.source_id == _by_ref("nis2")[f"21.2.{point}"].id)).scalar() >= 2, point
        assert _mapping("nis2:21.2.a", "beredskab:hob.1") is not None
        assert _mapping("nis2:21.2.b", "cis-v8:8") is not None
        assert _mapping("nis2:21.2.e", "cis-v8:4") is not None
        assert _mapping("nis2:21.2.i", "cis-v8:2") is not None


def test_cis_implementation_group_totals(app, catalogs):
    with app.app_context():
        controls = _by_ref("cis-v8").values()
        assert len(controls) == 18
        assert sum(c.attributes["ig1"] for c in controls) == 56
        assert sum(c.attributes["ig2"] for c in controls) == 130
        assert sum(c.attributes["ig3"] for c in controls) == 153
        assert _by_ref("cis-v8")["17"].title_en == "Incident Response Management"


def test_beredskab_has_section_25_nine_elements_and_six_headings(app, catalogs):
    with app.app_context():
        reqs = _by_ref("beredskab")
        assert [reqs[f"bl25.{n}"].display_ref for n in (1, 3, 4)] == ["§ 25, stk. 1", "§ 25, stk. 3", "§ 25, stk. 4"]
        elements = sorted((r for r in reqs.values() if r.parent_id == reqs["hob"].id), key=lambda r: r.position)
        assert [e.title_da for e in elements] == [
            "Planlægningsgrundlag", "Struktur og organisering af krisestyring", "Ledelse",
            "Faciliteter, systemer og udstyr", "Forebyggelse", "Uddannelse og træning", "Øvelser",
            "Evaluering", "Implementering af læring"]
        assert len([r for r in reqs.values() if r.parent_id == reqs["pm"].id]) == 6
        assert "sul210" in reqs


def test_loading_twice_changes_nothing(app, catalogs):
    with app.app_context():
        before = db.session.execute(sa.select(sa.func.count(ChangeLog.id))).scalar()
        ids = {r.ref: r.id for r in _by_ref("nis2").values()}
        results = loader.load_shipped()
        db.session.commit()
        assert all(getattr(r, "created", 0) == 0 and getattr(r, "updated", 0) == 0 for r in results)
        assert db.session.execute(sa.select(sa.func.count(ChangeLog.id))).scalar() == before
        assert {r.ref: r.id for r in _by_ref("nis2").values()} == ids
        assert db.session.execute(sa.select(sa.func.count(RequirementMapping.id))).scalar() == 29


NEWER = textwrap.dedent("""\
    format: register-catalog/1
    code: demo-cat
    version: "{version}"
    title: {{da: Testkatalog}}
    requirements:
      - ref: A
        title: {{da: "{title_a}"}}
        children:
          - {{ref: A.1, title: {{da: Første}}}}
      {extra}
    """)


def _load(version, title_a="Alfa", extra=""):
    return loader.load_text(NEWER.format(version=version, title_a=title_a, extra=extra), "test.yaml")


def test_a_newer_version_updates_adds_and_retires_but_keeps_user_data(app):
    with app.app_context():
        _load("1", extra="- {ref: B, title: {da: Beta}}")
        db.session.commit()
        reqs = _by_ref("demo-cat")
        # The municipality's own link to requirement B (stands in for statuses, notes, controls).
        db.session.add(RequirementMapping(source_id=reqs["A"].id, target_id=reqs["B"].id, relation="related",
                                          note="vores egen kobling"))
        db.session.commit()
        ids = {ref: r.id for ref, r in reqs.items()}

        result = _load("2", title_a="Alfa, revideret", extra="- {ref: C, title: {da: Gamma}}")
        db.session.commit()
        assert (result.created, result.updated, result.retired) == (1, 1, 1)
        reqs = _by_ref("demo-cat")
        assert {ref: r.id for ref, r in reqs.items() if ref != "C"} == ids
        assert reqs["A"].title_da == "Alfa, revideret"
        assert reqs["B"].retired is True and reqs["C"].retired is False
        assert reqs["A.1"].parent_id == reqs["A"].id
        mapping = db.session.execute(sa.select(RequirementMapping)).scalar_one()
        assert mapping.note == "vores egen kobling"
        assert db.session.execute(sa.select(Catalog.version).where(Catalog.code == "demo-cat")).scalar() == "2"


@pytest.mark.parametrize("text,message,line", [
    ("format: register-catalog/1\ncode: x\nversion: 1\ntitle: X\nrequirements:\n  - {ref: A}\n", "'title' mangler", 6),
    ("format: register-catalog/1\ncode: x\nversion: 1\ntitle: X\nrequirements:\n  - {ref: A, title: a}\n"
     "  - {ref: A, title: b}\n", "findes allerede (linje 6)", 7),
    ("format: register-catalog/1\ncode: x\ntitle: X\nrequirements: []\n", "'version' mangler", 1),
    ("format: other\n", "ukendt format", 1),
    ("code: [unclosed\n", "ugyldig YAML", 2),
    ("format: register-catalog/1\ncode: x\nversion: 1\ntitle: X\nrequirements:\n  - {ref: 'a b', title: a}\n",
     "ugyldig ref", 6),
    # the unquoted comma that once cut a NIS2 title: the rest of the title became a stray key
    ("format: register-catalog/1\ncode: x\nversion: 1\ntitle: X\nrequirements:\n  - ref: A\n"
     "    title: {da: Sikker anskaffelse, udvikling og vedligeholdelse, en: Secure}\n",
     "ukendt nøgle 'udvikling og vedligeholdelse' i 'title'", 7),
    ("format: register-catalog/1\ncode: x\nversion: 1\ntitle: X\nrequirements:\n  - ref: A\n"
     "    title: a\n    sorce_ref: typo\n", "ukendt nøgle 'sorce_ref' i et krav", 8),
    ("format: register-catalog/1\ncode: x\nversion: 1\ntitle: X\nauthor: me\nrequirements:\n  - {ref: A, title: a}\n",
     "ukendt nøgle 'author' i kataloget", 5),
    ("format: register-catalog/1\ncode: x\nversion: 1\ntitle: X\nrequirements:\n  - ref: A\n"
     "    title: {en: only English}\n", "feltet 'da' mangler", 7),
    ("format: register-mappings/1\nmappings:\n  - {from: 'a:1', to: 'b:2', relaton: related}\n",
     "ukendt nøgle 'relaton' i en kobling", 3),
])
def test_malformed_files_are_refused_with_line_and_reason(app, text, message, line):
    with app.app_context():
        with pytest.raises(loader.CatalogFileError) as err:
            loader.load_text(text, "bad.yaml")
        assert message in str(err.value)
        assert err.value.line == line
        assert str(err.value).startswith(f"bad.yaml: linje {line}: ")  # file, line and key in one message


def test_mapping_to_an_unknown_requirement_is_refused(app, catalogs):
    text = "format: register-mappings/1\nmappings:\n  - {from: 'nis2:21.2.b', to: 'cis-v8:99'}\n"
    with app.app_context():
        with pytest.raises(loader.CatalogFileError, match="cis-v8:99"):
            loader.load_text(text, "m.yaml")


def test_catalog_list_and_tree_pages(client, login, catalogs):
    login("board")
    page = html(client.get("/kataloger/"))
    assert "CIS Critical Security Controls v8" in page and "nis2" in page
    tree = html(client.get("/kataloger/nis2"))
    assert "21(2)(d)" in tree and "Forsyningskædesikkerhed" in tree
    assert client.get("/kataloger/ukendt").status_code == 404


def test_requirement_page_shows_text_source_place_and_mappings(app, client, login, catalogs):
    with app.app_context():
        req_id = _by_ref("nis2")["21.2.b"].id
    login("board")
    page = html(client.get(f"/kataloger/krav/{req_id}", follow_redirects=True))
    assert "Håndtering af hændelser" in page
    assert "Art. 21, stk. 2, litra b" in page           # source reference
    assert "NIS 2-loven § 6" in page                      # national basis
    assert "Minimumsforanstaltninger" in page             # its parent in the hierarchy
    assert "Hændelseshåndtering" in page and "CIS 17" in page  # mapped CIS control


def test_mappings_show_from_both_sides(app, client, login, catalogs):
    with app.app_context():
        cis17 = _by_ref("cis-v8")["17"].id
    login("board")
    page = html(client.get(f"/kataloger/krav/{cis17}", follow_redirects=True))
    assert "21(2)(b)" in page and "23" in page


def test_english_titles_are_shown_in_english(client, login, catalogs):
    login("board")
    client.post("/konto/sprog", data={"language": "en", "next": "/"})
    assert "Supply chain security" in html(client.get("/kataloger/nis2"))


def test_catalog_tree_page_query_count_does_not_grow_with_the_catalog(app, client, login, catalogs, count_queries):
    login("board")
    with count_queries() as small:
        client.get("/kataloger/cis-v8")
    with app.app_context():
        loader.load_text(NEWER.format(version="1", title_a="A", extra="") + "".join(
            f"  - {{ref: X{i}, title: {{da: X{i}}}}}\n" for i in range(200)), "big.yaml")
        db.session.commit()
    with count_queries() as big:
        client.get("/kataloger/demo-cat")
    assert big.count == small.count


MOVING = textwrap.dedent("""\
    format: register-catalog/1
    code: areas
    version: "{version}"
    title: {{da: Områder}}
    requirements:
      - ref: A
        title: {{da: Område A}}
        children: {a_children}
      - ref: B
        title: {{da: Område B}}
        children: {b_children}
    """)
GROUP = "[{ref: A.1, title: {da: Gruppe}, children: [{ref: A.1.x, title: {da: Krav x}}]}]"


def test_every_requirement_knows_its_area_and_follows_a_moved_group(app):
    """area_id is what /krav/ filters and shows by; a newer version that moves a group moves its subtree."""
    with app.app_context():
        loader.load_text(MOVING.format(version="1", a_children=GROUP, b_children="[]"), "areas.yaml")
        db.session.commit()
        reqs = _by_ref("areas")
        assert reqs["A"].area_id is None and reqs["B"].area_id is None  # an area is its own
        assert reqs["A.1"].area_id == reqs["A.1.x"].area_id == reqs["A"].id
        loader.load_text(MOVING.format(version="2", a_children="[]", b_children=GROUP), "areas.yaml")
        db.session.commit()
        reqs = _by_ref("areas")  # the group moved; its requirement kept its parent but changed area
        assert reqs["A.1"].parent_id == reqs["B"].id and reqs["A.1"].area_id == reqs["B"].id
        assert reqs["A.1.x"].parent_id == reqs["A.1"].id and reqs["A.1.x"].area_id == reqs["B"].id
        # A requirement added outside the loader gets its area too.
        extra = Requirement(catalog_id=reqs["A"].catalog_id, ref="A.1.y", display_ref="A.1.y", depth=2,
                            title_da="Krav y", parent_id=reqs["A.1"].id, position=9)
        db.session.add(extra)
        db.session.commit()
        assert extra.area_id == reqs["B"].id
        history = db.session.execute(sa.select(ChangeLog.changes).where(
            ChangeLog.entity == "requirement", ChangeLog.entity_id == reqs["A.1.x"].id)).scalars().all()
        assert all("area_id" not in changes for changes in history)  # derived, so not part of the history
