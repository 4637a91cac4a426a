"""Compliance figures on a known dataset, exports, the statement of applicability."""
import csv
import datetime as dt
import io

import openpyxl
import sqlalchemy as sa

from register.catalogs import loader
from register.catalogs.models import Catalog, Requirement
from register.core.dates import local_today
from register.core.history import ChangeLog
from register.extensions import db
from register.requirements import compliance
from register.requirements.exports import neutralise
from register.requirements.models import ImplementationStatus as S

from conftest import html
from requirement_helpers import assess

KNOWN = """\
format: register-catalog/1
code: kendt
version: "1"
title: {da: Kendt katalog}
requirements:
  - ref: A
    title: {da: Område A}
    children:
      - {ref: A.1, display_ref: "A 1", title: {da: Et}}
      - {ref: A.2, display_ref: "A 2", title: {da: To}}
      - {ref: A.3, display_ref: "A 3", title: {da: Tre}}
  - ref: B
    title: {da: Område B}
    children:
      - {ref: B.1, display_ref: "B 1", title: {da: Fire}}
      - {ref: B.2, display_ref: "B 2", title: {da: Fem}}
  - {ref: C, title: {da: Seks}}
"""
PAST = dt.date(2025, 1, 10)
TODAY = dt.date(2025, 6, 1)


def _known(app, make_unit):
    with app.app_context():
        loader.load_text(KNOWN, "kendt.yaml")
        db.session.commit()
    x, y = make_unit(name="Enhed X"), make_unit(name="Enhed Y")
    assess(app, "kendt:A", status=S.IMPLEMENTED)  # a group: not counted
    assess(app, "kendt:A.1", status=S.IMPLEMENTED, responsible_unit_id=x, next_review=PAST)
    assess(app, "kendt:A.2", status=S.PARTLY, responsible_unit_id=x, next_review=TODAY)
    assess(app, "kendt:A.3", applicable=False, applicability_reason="Ikke relevant her", responsible_unit_id=x,
           next_review=PAST)
    assess(app, "kendt:B.1", status=S.PLANNED, responsible_unit_id=y)
    assess(app, "kendt:B.2", status=S.NOT_STARTED)
    return x, y


def _counts(f):
    return (f.total, f.not_applicable, f.implemented, f.partly, f.planned, f.not_started, f.not_assessed, f.overdue)


def test_figures_per_catalogue_area_and_unit(app, make_unit):
    x, y = _known(app, make_unit)
    with app.app_context():
        o = compliance.compliance_overview(today=TODAY)
    [catalog] = o.catalogs
    assert _counts(catalog) == (6, 1, 1, 1, 1, 1, 1, 1)
    assert catalog.applicable == 5 and catalog.share("implemented") == 20.0 and catalog.share("not_assessed") == 20.0
    assert [(a.label, _counts(a)) for a in o.areas[catalog.key]] == [
        ("A Område A", (3, 1, 1, 1, 0, 0, 0, 1)),
        ("B Område B", (2, 0, 0, 0, 1, 1, 0, 0)),
        ("C Seks", (1, 0, 0, 0, 0, 0, 1, 0)),
    ]
    assert [(u.label, _counts(u)) for u in o.units] == [
        ("Enhed X", (3, 1, 1, 1, 0, 0, 0, 1)),
        ("Enhed Y", (1, 0, 0, 0, 1, 0, 0, 0)),
        ("Ingen ansvarlig enhed", (2, 0, 0, 0, 0, 1, 1, 0)),
    ]
    assert [(item.display_ref, item.next_review, item.unit) for item in o.overdue] == [("A 1", PAST, "Enhed X")]


def test_a_catalogue_may_say_which_requirements_are_assessed(app, make_unit):
    """`assessable` in a requirement's attributes (CISO Assistant libraries) overrides "leaves only", now and
    as of a date; other attributes change nothing."""
    _known(app, make_unit)
    with app.app_context():
        for ref, attributes in (("A", {"assessable": True}), ("A.1", {"assessable": False, "ig": [1, 2]}),
                                ("B.1", {"note": "assessable is only a word here"})):
            req = db.session.execute(sa.select(Requirement).join(Catalog).where(
                Catalog.code == "kendt", Requirement.ref == ref)).scalar_one()
            req.attributes = attributes
        db.session.commit()
        now = compliance.compliance_overview(today=TODAY)
        then = compliance.compliance_overview(as_of=local_today())  # from the history, at a later day
    # A (implemented) now counts and A.1 (implemented, overdue at TODAY) does not.
    assert _counts(now.catalogs[0]) == (6, 1, 1, 1, 1, 1, 1, 0)
    assert [a.label for a in now.areas[now.catalogs[0].key]] == ["A Område A", "B Område B", "C Seks"]
    # Later, A.2's review (due TODAY) is overdue too; what is counted is the same.
    assert _counts(then.catalogs[0]) == (6, 1, 1, 1, 1, 1, 1, 1)


def test_todays_figures_counted_by_the_database_match_those_counted_from_the_history(app, catalogs, make_unit):
    """Today's figures come from grouped statements, a past day's from the recorded states in Python: on the
    same data (real catalogues, the demo's assessments, explicit `assessable` flags, a retired requirement)
    both give the same figures and the same overdue list, in the same order."""
    app.test_cli_runner().invoke(args=["demo"])
    _known(app, make_unit)
    with app.app_context():
        for ref, attributes, retired in (("A", {"assessable": True}, False), ("A.1", {"assessable": False}, False),
                                         ("B", {"assessable": "yes"}, False), ("B.2", {}, True)):
            req = db.session.execute(sa.select(Requirement).join(Catalog).where(
                Catalog.code == "kendt", Requirement.ref == ref)).scalar_one()
            req.attributes, req.retired = attributes, retired
        db.session.commit()
        today = local_today()
        now = compliance.compliance_overview(today=today)
        recorded = compliance.compliance_overview(as_of=today)
        first = compliance.compliance_overview(today=today, overdue_limit=1)
        total = compliance.compliance_totals(today=today)
    assert now.total.total > 40 and now.total.overdue > 1 and len(now.areas) > 2
    assert (now.total, now.catalogs, now.areas, now.units, now.overdue) == (
        recorded.total, recorded.catalogs, recorded.areas, recorded.units, recorded.overdue)
    assert total == now.total and first.overdue == now.overdue[:1]


def test_figures_as_of_a_past_date_use_the_history(app, make_unit):
    _known(app, make_unit)
    with app.app_context():  # pretend everything so far happened on 1 March 2025
        db.session.execute(sa.update(ChangeLog).values(at=dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)))
        db.session.commit()
    assess(app, "kendt:C", status=S.IMPLEMENTED)
    assess(app, "kendt:B.1", status=S.IMPLEMENTED)
    with app.app_context():
        now = compliance.compliance_overview(today=TODAY)
        then = compliance.compliance_overview(as_of=dt.date(2025, 3, 31))
        before = compliance.compliance_overview(as_of=dt.date(2025, 2, 1))
    assert _counts(now.catalogs[0]) == (6, 1, 3, 1, 0, 1, 0, 1)
    assert _counts(then.catalogs[0]) == (6, 1, 1, 1, 1, 1, 1, 1)
    assert before.catalogs == []  # the catalogue did not exist yet


def test_dashboard_page_shows_the_figures(app, client, login, make_unit):
    _known(app, make_unit)
    login("board")
    page = html(client.get("/krav/overblik"))
    assert "Kendt katalog" in page and "Område A" in page and "Enhed X" in page and "Ingen ansvarlig enhed" in page
    assert "A 1" in page  # overdue list
    assert "1 <span class=\"muted\">(20 %)</span>" in page
    assert client.get("/krav/overblik?as_of=2025-13-01").status_code == 200  # a bad date falls back to today
    # each group links to the requirement list filtered to it
    import re
    links = dict((label, href) for href, label in re.findall(r'<th scope="row"><a href="([^"]+)">([^<]+)</a>', page))
    assert set(links) == {"Kendt katalog", "A Område A", "B Område B", "C Seks", "Enhed X", "Enhed Y"}
    assert "3 krav" in html(client.get(links["Enhed X"].replace("&amp;", "&")))
    assert "4 krav" in html(client.get(links["A Område A"].replace("&amp;", "&")))  # the area and its three
    assert links["Kendt katalog"] == "/krav/?catalog=kendt"


def test_start_page_panel(app, client, login, make_unit):
    _known(app, make_unit)
    login("board")
    page = html(client.get("/"))
    assert "Status på kravene" in page and "/krav/overblik" in page


def test_neutralise_formula_text():
    assert [neutralise(v) for v in ["=1+1", "+45 1234", "-x", "@SUM(A1)", "\tx", "ok", 5, None]] == [
        "'=1+1", "'+45 1234", "'-x", "'@SUM(A1)", "'\tx", "ok", 5, None]


def test_xlsx_bytes_is_a_workbook_a_spreadsheet_reads_as_written():
    """The workbook's parts are written directly: openpyxl reads back the values, a bold frozen header, dates
    as dates, column widths and the title; the same rows give the same bytes."""
    from register.requirements.exports import xlsx_bytes

    rows = [["=1+1", dt.date(2026, 2, 3), 5, None, 2.5],
            ["a & <b> \"c\"", dt.datetime(2026, 1, 2, 12, 30), 0, "æøå", True],
            ["\x01x", None, None, "y" * 80, -1]]
    data = xlsx_bytes("Krav & <ting>", ["Tekst", "Dato", "Tal", "Lang", "Andet"], rows)
    assert data == xlsx_bytes("Krav & <ting>", ["Tekst", "Dato", "Tal", "Lang", "Andet"], rows)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws.title == "Krav & <ting>" and ws.freeze_panes == "A2"
    assert [(c.value, c.font.b) for c in ws[1]] == [(h, True) for h in ["Tekst", "Dato", "Tal", "Lang", "Andet"]]
    assert [[c.value for c in r] for r in ws.iter_rows(min_row=2)] == [
        ["'=1+1", dt.datetime(2026, 2, 3), 5, None, 2.5],
        ["a & <b> \"c\"", dt.datetime(2026, 1, 2, 12, 30), 0, "æøå", True],
        ["x", None, None, "y" * 80, -1]]
    assert ws["B2"].is_date and ws["B2"].number_format == "DD-MM-YYYY" and not ws["B2"].font.b
    assert [ws.column_dimensions[c].width for c in "ABCDE"] == [13, 21, 8, 60, 8]  # longest value + 2, within 8-60


def test_xlsx_export_has_danish_headers_real_dates_and_no_formulas(app, client, login, make_unit):
    _known(app, make_unit)
    assess(app, "kendt:C", status=S.PLANNED, notes="=HYPERLINK(\"http://evil\")", responsible_person="@admin",
           next_review=dt.date(2026, 2, 3))
    login("board")
    response = client.get("/krav/eksport.xlsx?catalog=kendt&q=seks")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in ws[1]]
    assert header[:4] == ["Katalog", "Reference", "Titel", "Område"] and "Næste gennemgang" in header
    assert ws.max_row == 2
    row = {h: c.value for h, c in zip(header, ws[2], strict=True)}
    assert row["Reference"] == "C" and row["Status"] == "Planlagt" and row["Relevant"] == "Ja"
    assert row["Noter"] == "'=HYPERLINK(\"http://evil\")" and row["Ansvarlig person"] == "'@admin"
    assert row["Næste gennemgang"].date() == dt.date(2026, 2, 3)
    assert ws.cell(row=2, column=header.index("Næste gennemgang") + 1).is_date


def test_csv_export_follows_the_filter(app, client, login, make_unit):
    _known(app, make_unit)
    login("board")
    response = client.get("/krav/eksport.csv?catalog=kendt&status=implemented")
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows[0][:3] == ["Katalog", "Reference", "Titel"]
    assert [r[1] for r in rows[1:]] == ["A", "A 1"]
    assert rows[2][rows[0].index("Næste gennemgang")] == "2025-01-10"


def test_every_column_of_an_export_row_holds_the_requirements_values(app, client, login, make_unit):
    """Each column of the CSV and the XLSX says what the requirement, its assessment, area and controls hold;
    a requirement without an assessment is relevant and not assessed, and its own area."""
    from register.controls.models import Control, ControlRequirement, ControlStatus
    from requirement_helpers import req_id

    x, _ = _known(app, make_unit)
    assess(app, "kendt:A.1", status=S.IMPLEMENTED, responsible_unit_id=x, next_review=PAST, maturity=3,
           responsible_person="Åse", notes="Noter", applicability_reason="Gælder os")
    with app.app_context():
        control = Control(title="Tiltag", status=ControlStatus.PLANNED)
        db.session.add(control)
        db.session.flush()
        db.session.add(ControlRequirement(control_id=control.id, requirement_id=req_id(app, "kendt:A.1")))
        db.session.commit()
    login("board")
    text = client.get("/krav/eksport.csv?catalog=kendt").data.decode("utf-8")
    header, *rows = csv.reader(io.StringIO(text[1:]), delimiter=";")
    by_ref = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_ref["A 1"] == {
        "Katalog": "kendt", "Reference": "A 1", "Titel": "Et", "Område": "A Område A", "Relevant": "Ja",
        "Begrundelse for relevans": "Gælder os", "Status": "Implementeret", "Status fra tiltag": "Nej",
        "Modenhed": "3", "Ansvarlig enhed": "Enhed X", "Ansvarlig person": "Åse", "Næste gennemgang": "2025-01-10",
        "Antal tiltag": "1", "Noter": "Noter"}
    assert by_ref["C"] == {
        "Katalog": "kendt", "Reference": "C", "Titel": "Seks", "Område": "C Seks", "Relevant": "Ja",
        "Begrundelse for relevans": "", "Status": "Ikke vurderet", "Status fra tiltag": "Nej", "Modenhed": "",
        "Ansvarlig enhed": "", "Ansvarlig person": "", "Næste gennemgang": "", "Antal tiltag": "0", "Noter": ""}
    assert by_ref["A 3"]["Relevant"] == "Nej" and by_ref["A 3"]["Begrundelse for relevans"] == "Ikke relevant her"
    ws = openpyxl.load_workbook(io.BytesIO(client.get("/krav/eksport.xlsx?catalog=kendt").data)).active
    sheet = [[c.value for c in r] for r in ws.iter_rows()]
    assert sheet[0] == header
    a1 = dict(zip(header, next(r for r in sheet if r[1] == "A 1"), strict=True))
    assert a1 == {**by_ref["A 1"], "Modenhed": 3, "Næste gennemgang": dt.datetime(2025, 1, 10), "Antal tiltag": 1}


def test_statement_of_applicability(app, client, login, make_unit):
    _known(app, make_unit)
    login("board")
    page = html(client.get("/krav/anvendelighed?catalog=kendt"))
    assert "Ikke relevant her" in page and "Område A" not in page.split("<tbody>")[1].split("</td>")[1]
    ws = openpyxl.load_workbook(io.BytesIO(client.get("/krav/anvendelighed.xlsx?catalog=kendt").data)).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == ["Reference", "Titel", "Område", "Relevant", "Begrundelse", "Status", "Tiltag",
                       "Ansvarlig enhed"]
    assert [r[0] for r in rows[1:]] == ["A 1", "A 2", "A 3", "B 1", "B 2", "C"]
    assert rows[3][3:5] == ["Nej", "Ikke relevant her"]
    assert rows[1][2] == "A Område A" and rows[1][7] == "Enhed X"


def test_dashboard_shows_one_catalogues_areas_at_a_time_when_there_are_many(app, client, login, catalogs,
                                                                             monkeypatch):
    from register.requirements import services as req_services
    login("board")
    everything = html(client.get("/krav/overblik"))
    assert everything.count("Pr. område:") == 3 and "Områderne vises for ét katalog ad gangen" not in everything
    monkeypatch.setattr(req_services, "AREAS_ACROSS_CATALOGUES", 5)
    first = html(client.get("/krav/overblik"))
    assert first.count("Pr. område:") == 1 and "Områderne vises for ét katalog ad gangen" in first
    day = local_today().isoformat()  # the app's day (Copenhagen), which may be ahead of UTC
    cis = html(client.get(f"/krav/overblik?omraader=cis-v8&as_of={day}"))
    assert cis.count("Pr. område:") == 1 and "Pr. område: CIS" in cis
    assert 'omraader=nis2' in cis and f"as_of={day}" in cis  # the other catalogues, same date
    assert html(client.get("/krav/overblik?omraader=nonsense")).count("Pr. område:") == 1
