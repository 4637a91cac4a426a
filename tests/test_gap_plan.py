"""The action plan: order, grouping, overdue marks, XLSX export, progress figures and query counts."""
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from register.core.dates import local_today
from register.extensions import db
from register.gap import services
from register.gap.export import safe_cell
from register.gap.models import CostLevel, Finding, FindingStatus, Priority, Severity

from conftest import html

PAST = local_today() - dt.timedelta(days=10)
FUTURE = local_today() + dt.timedelta(days=30)


@pytest.fixture
def plan(make_unit, make_finding, catalogs):
    it = make_unit(name="IT-drift")
    sec = make_unit(name="Informationssikkerhed")
    return {
        "low": make_finding(title="Lav prioritet", severity=Severity.LOW, cost=CostLevel.HIGH, unit_id=it,
                            controls=["14"], due_on=FUTURE),
        "urgent": make_finding(title="Kritisk og billig", severity=Severity.CRITICAL, cost=CostLevel.LOW,
                               unit_id=sec, controls=["6", "5"], due_on=PAST, owner="Søren"),
        "late": make_finding(title="Middel og forsinket", severity=Severity.MEDIUM, cost=CostLevel.MEDIUM,
                             unit_id=it, controls=["7"], due_on=PAST),
        "done": make_finding(title="Lukket fund", severity=Severity.HIGH, unit_id=it, status=FindingStatus.CLOSED,
                             closed_on=dt.date(2025, 5, 1), closure_evidence="Rapport", due_on=PAST),
        "nounit": make_finding(title="Uden enhed", severity=Severity.HIGH, cost=CostLevel.LOW),
    }


def test_plan_is_ordered_by_priority_grouped_by_unit_with_overdue_in_text(client, login, plan):
    login("board")
    page = html(client.get("/gap-analyse/handlingsplan"))
    headings = [page.index(f"<h2>{name}") for name in ("Informationssikkerhed", "IT-drift", "Ingen ansvarlig enhed")]
    assert headings == sorted(headings)
    it_part = page[page.index("<h2>IT-drift"):page.index("<h2>Ingen ansvarlig enhed")]
    assert it_part.index("Middel og forsinket") < it_part.index("Lav prioritet")  # priority 3 before 4
    assert "Lukket fund" not in page  # open ones only by default
    assert page.count(">Overskredet</span>") == 2 and "2 overskredet" not in page and "1 overskredet" in page
    assert "Prioritetsregel" in page and "Er omkostningen ikke estimeret, regnes den som middel" in page
    closed = html(client.get("/gap-analyse/handlingsplan?status=lukkede"))
    assert "Lukket fund" in closed and "Overskredet" not in closed.split("<h2>", 2)[-1]


def test_the_unit_order_follows_a_renamed_unit(app, client, login, plan):
    """The plan's groups follow the units' names: a rename moves a unit at once."""
    from register.organisation.models import Unit
    login("board")
    page = html(client.get("/gap-analyse/handlingsplan"))
    assert page.index("<h2>Informationssikkerhed") < page.index("<h2>IT-drift")
    with app.app_context():
        db.session.execute(db.select(Unit).filter_by(name="IT-drift")).scalar_one().name = "Drift og netværk"
        db.session.commit()
    page = html(client.get("/gap-analyse/handlingsplan"))
    assert page.index("<h2>Drift og netværk") < page.index("<h2>Informationssikkerhed")


def test_plan_grouped_by_control_lists_a_finding_under_each_control(client, login, plan):
    login("board")
    page = html(client.get("/gap-analyse/handlingsplan?gruppering=kontrol"))
    assert page.index("<h2>CIS 5 ") < page.index("<h2>CIS 6 ") < page.index("<h2>CIS 7 ") < page.index("<h2>CIS 14 ")
    assert page.count("Kritisk og billig") == 2 and "Ingen CIS-kontrol angivet" in page


def test_control_titles_follow_the_users_language(client, login, plan):
    """The by-control headings and the finding's controls are read in the language the user chose."""
    login("board")
    assert "<h2>CIS 5 Kontostyring" in html(client.get("/gap-analyse/handlingsplan?gruppering=kontrol"))
    client.post("/konto/sprog", data={"language": "en", "next": "/"})
    page = html(client.get("/gap-analyse/handlingsplan?gruppering=kontrol"))
    assert "<h2>CIS 5 Account Management" in page and "Kontostyring" not in page
    finding = html(client.get(f"/gap-analyse/fund/{plan['urgent']}"))
    assert "CIS 6 Access Control Management" in finding and "Adgangsstyring" not in finding
    login("security")
    client.post("/konto/sprog", data={"language": "en", "next": "/"})
    form = html(client.get(f"/gap-analyse/fund/{plan['urgent']}/rediger"))
    assert ">CIS 6 Access Control Management</option>" in form and "Adgangsstyring" not in form


def test_progress_and_overdue_figures(app, plan):
    with app.app_context():
        progress = services.action_plan_progress(local_today())
        assert (progress.total, progress.open, progress.closed, progress.overdue) == (5, 4, 1, 2)
        assert progress.percent_closed == 20
        assert progress.open_by_priority == {Priority.P1: 2, Priority.P3: 1, Priority.P4: 1}
        assert services.overdue_count(local_today()) == 2
        assert services.overdue_count(PAST) == 0


def test_export_to_xlsx_neutralises_formulas(app, client, login, make_finding, catalogs):
    make_finding(title="=HYPERLINK(\"http://evil.example\",\"klik\")", owner="+45 1234", severity=Severity.HIGH,
                 due_on=PAST, external_id="@SUM(A1)", controls=["3"])
    login("board")
    response = client.get("/gap-analyse/handlingsplan.xlsx?gruppering=kontrol")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert row["Titel"].value == "'=HYPERLINK(\"http://evil.example\",\"klik\")" and row["Titel"].data_type == "s"
    assert row["Ejer"].value == "'+45 1234" and row["Id"].value == "'@SUM(A1)"
    assert row["Overskredet"].value == "Ja" and row["CIS-kontrol"].value == "CIS 3"
    assert row["Prioritet"].value == 2 and row["Frist"].value.date() == PAST
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)


def test_safe_cell_leaves_ordinary_values_alone():
    assert safe_cell("Backup") == "Backup" and safe_cell(-5) == -5 and safe_cell("-5") == "'-5"


@pytest.mark.parametrize("grouping", ["enhed", "kontrol"])
def test_action_plan_query_count_does_not_grow_with_rows(app, client, login, make_unit, make_finding, catalogs,
                                                         count_queries, grouping):
    login("board")
    units = [make_unit(name=f"Enhed {i}") for i in range(6)]

    def add(n):
        for i in range(n):
            make_finding(title=f"Fund {i}", unit_id=units[i % 6], controls=[str(1 + i % 18), str(1 + (i + 3) % 18)],
                         due_on=PAST if i % 2 else None)

    add(2)
    with count_queries() as small:
        assert client.get(f"/gap-analyse/handlingsplan?gruppering={grouping}&status=alle").status_code == 200
    add(40)
    with count_queries() as large:
        page = html(client.get(f"/gap-analyse/handlingsplan?gruppering={grouping}&status=alle"))
    assert page.count("Fund 39") >= 1
    assert large.count == small.count, large.statements


def test_home_page_shows_the_gap_panel(client, login, plan):
    login("board")
    page = html(client.get("/"))
    assert "Gap-analyse og handlingsplan" in page and "med overskredet frist" in page


def test_overdue_follows_the_danish_calendar_day_not_the_servers(client, login, make_finding, catalogs,
                                                                  server_clock_a_day_off):
    today = local_today()
    make_finding(title="Frist i dag", due_on=today)
    make_finding(title="Frist i går", due_on=today - dt.timedelta(days=1))
    login("board")
    page = html(client.get("/gap-analyse/handlingsplan"))
    rows = {title: row for row in page.split("<tr") for title in ("Frist i dag", "Frist i går") if title in row}
    assert ">Overskredet</span>" in rows["Frist i går"] and ">Overskredet</span>" not in rows["Frist i dag"]
    assert "1 overskredet" in page
    home = html(client.get("/"))
    assert '<span class="figure-value">1</span> <span class="figure-label">med overskredet frist' in home


def test_overview_lists_assessments(client, login, make_assessment):
    make_assessment(name="Gap 2025")
    login("board")
    page = html(client.get("/gap-analyse/"))
    assert "Gap 2025" in page and "Opret vurdering" not in page
    login("security")
    assert "Opret vurdering" in html(client.get("/gap-analyse/"))


@pytest.mark.parametrize("grouping, lines_per_finding", [("enhed", 1), ("kontrol", 2)])
def test_a_long_plan_is_paged_with_whole_group_figures_and_nothing_lost(client, login, make_unit, make_finding,
                                                                        catalogs, grouping, lines_per_finding):
    login("board")
    units = [make_unit(name=f"Enhed {i}") for i in range(3)]
    for i in range(75):
        make_finding(title=f"Fund nr. {i:03d}", unit_id=units[i % 3], controls=[str(1 + i % 2), "9"],
                     due_on=PAST if i % 5 == 0 else FUTURE)
    total = 75 * lines_per_finding
    pages, seen = -(-total // 50), []
    for number in range(1, pages + 1):
        page = html(client.get(f"/gap-analyse/handlingsplan?gruppering={grouping}&page={number}"))
        last = min(number * 50, total)
        assert f"{(number - 1) * 50 + 1}–{last} af {total} fund" in page
        seen += [line.split("Fund nr. ")[1][:3] for line in page.split("\n") if "Fund nr. " in line]
        if number > 1:
            assert "(fortsat)" in page.split("<h2>")[1]  # the group runs on from the previous page
    assert sorted(seen) == sorted(f"{i:03d}" for i in range(75) for _ in range(lines_per_finding))
    first = html(client.get(f"/gap-analyse/handlingsplan?gruppering={grouping}"))
    if grouping == "enhed":  # the heading counts the whole group, not the part on this page
        assert "<h2>Enhed 0 <span class=\"muted\">(25, 5 overskredet)</span>" in first
    else:
        assert "(38, 8 overskredet)" in first  # CIS 1: findings 0, 2, ..., 74
    assert 'rel="next"' in first and f"gruppering={grouping}" in first.split('rel="next"')[0].rsplit("href=", 1)[1]


@pytest.mark.parametrize("grouping", ["enhed", "kontrol"])
def test_a_page_of_the_plan_reads_only_its_own_findings_and_a_save_shows_at_once(app, client, login, make_unit,
                                                                                 make_finding, catalogs,
                                                                                 count_queries, grouping):
    """The database sorts the plan and hands over one page of ids; only those findings are read whole."""
    login("security")
    unit = make_unit(name="Enhed A")
    ids = [make_finding(title=f"Fund nr. {i:03d}", unit_id=unit, controls=["4"], due_on=FUTURE) for i in range(60)]
    address = f"/gap-analyse/handlingsplan?gruppering={grouping}&status=alle"
    client.get(address)
    with count_queries() as second_page:
        page = html(client.get(address + "&page=2"))
    assert "51–60 af 60 fund" in page
    assert any("FROM gap_finding" in s and "ORDER BY" in s and "LIMIT" in s for s in second_page.statements)
    assert any("FROM gap_finding" in s and " IN (" in s for s in second_page.statements)  # the page's own, by id
    with app.app_context():  # a finding made critical moves to the top at once
        finding = db.session.get(Finding, ids[-1])
        finding.severity = Severity.CRITICAL
        db.session.commit()
    first = html(client.get(address))
    assert first.index("Fund nr. 059") < first.index("Fund nr. 000")


@pytest.fixture
def priced(make_unit, make_finding, catalogs):
    it = make_unit(name="IT-drift")
    school = make_unit(name="Skoler")
    make_finding(title="MFA", severity=Severity.CRITICAL, cost=CostLevel.LOW, cost_estimate_dkk=45_000,
                 unit_id=it, controls=["6"], external_id="A-1")
    make_finding(title="Logning", severity=Severity.HIGH, cost=CostLevel.MEDIUM, cost_estimate_dkk=120_000,
                 unit_id=school, controls=["8"], external_id="A-2")
    make_finding(title="Netværk", severity=Severity.HIGH, cost=CostLevel.LOW, cost_estimate_dkk=30_000,
                 unit_id=school, controls=["12", "13"], external_id="A-3")
    make_finding(title="Kun niveau", severity=Severity.LOW, cost=CostLevel.HIGH, unit_id=it, controls=["3"])
    make_finding(title="Lukket", severity=Severity.CRITICAL, cost_estimate_dkk=999_000, unit_id=it,
                 status=FindingStatus.CLOSED, closed_on=dt.date(2025, 5, 1))


def test_the_municipality_wide_priority_list_counts_money(client, login, priced):
    login("board")
    page = html(client.get("/gap-analyse/handlingsplan?gruppering=prioritet"))
    order = [page.index(t) for t in ("MFA", "Netværk", "Logning", "Kun niveau")]
    assert order == sorted(order)  # priority 1 (both units) before 2 before 4, across units and controls
    assert "CIS 12, CIS 13" in page and "45.000 kr." in page and "Høj (over 250.000 kr.)" in page
    assert "<h2>1 – straks" in page and "<h2>2 – høj" in page
    totals = page[page.index("Anslåede beløb i hele kommunen"):]
    rows = re.findall(r'<tr><th scope="row">([^<]*)</th><td class="num">(\d+)</td><td class="num">([\d.]+) kr.</td>'
                      r'<td class="num">(\d+)</td></tr>', totals)
    assert rows == [("1 – straks", "2", "75.000", "0"), ("2 – høj", "1", "120.000", "0"),
                    ("4 – lav", "1", "0", "1"), ("I alt", "4", "195.000", "1"),
                    ("IT-drift", "2", "45.000", "1"), ("Skoler", "2", "150.000", "0"), ("I alt", "4", "195.000", "1")]
    assert "999.000" not in page  # the closed finding is not in the open plan


def test_the_export_keeps_the_amounts_and_their_totals(client, login, priced):
    login("board")
    response = client.get("/gap-analyse/handlingsplan.xlsx?gruppering=prioritet")
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook["Handlingsplan"]
    header = [c.value for c in sheet[1]]
    rows = [{h: c.value for h, c in zip(header, r, strict=True)} for r in sheet.iter_rows(min_row=2)]
    assert header[0] == "Gruppe (prioritet)"
    assert [(r["Id"], r["Anslået beløb (kr.)"], r["Omkostning"]) for r in rows][:3] == [
        ("A-1", 45000, "Lav (under 50.000 kr.)"), ("A-3", 30000, "Lav (under 50.000 kr.)"),
        ("A-2", 120000, "Middel (50.000–250.000 kr.)")]
    assert sheet.cell(row=2, column=header.index("Anslået beløb (kr.)") + 1).number_format == '#,##0 "kr."'
    totals = [[c.value for c in r] for r in workbook["Beløb"].iter_rows()]
    assert ["1 – straks", 2, 75000, 0] in totals and ["Skoler", 2, 150000, 0] in totals
    assert totals.count(["I alt", 4, 195000, 1]) == 2


@pytest.mark.parametrize("grouping", ["unit", "control", "priority"])
@pytest.mark.parametrize("status", ["open", "all", "closed"])
def test_the_pages_of_the_plan_together_are_the_whole_plan_in_its_order(app, make_unit, make_finding, catalogs,
                                                                        grouping, status):
    """A page reads only the groups it falls in: page after page, the rows and the groups' figures are those
    of the whole plan sorted at once (the export's way), with groups of every size, none and a unit-less group."""
    units = [make_unit(name=name) for name in ("b-enhed", "Å-enhed", "A-enhed", "c")]
    severities, costs = list(Severity), [None, *CostLevel]
    for i in range(140):
        closed = i % 2 == 0
        make_finding(title=f"Fund {i}", unit_id=None if i % 9 == 0 else units[(i * i) % 4 if i < 100 else 1],
                     controls=[] if i % 5 == 0 else [str(1 + i % 3), str(4 + i % 2)][: 1 + i % 2],
                     severity=severities[i % 4], cost=costs[i % 3],
                     due_on=None if i % 7 == 0 else PAST + dt.timedelta(days=i % 13),
                     priority_override=Priority.P4 if i % 11 == 0 else None,
                     priority_override_reason="Besluttet" if i % 11 == 0 else None,
                     status=FindingStatus.CLOSED if closed else FindingStatus.OPEN,
                     closed_on=dt.date(2025, 5, 1) if closed else None)
    with app.test_request_context():
        today = local_today()
        whole = services.group_findings(services.findings(status=status), grouping, "Ingen enhed", "Ingen kontrol")
        expected = [(group.label, finding.id) for group in whole for finding in group.findings]
        sizes = {group.label: (len(group.findings), group.overdue(today)) for group in whole}
        names, by_unit = services.unit_names(), services.unit_figures(status, today)
        seen, number = [], 1
        while True:
            page, groups = services.action_plan_page(grouping, status, number, today, "Ingen enhed",
                                                     "Ingen kontrol", names, by_unit)
            seen += [(group.label, finding.id) for group in groups for finding in group.findings]
            assert all((group.size, group.overdue(today)) == sizes[group.label] for group in groups)
            if number >= page.pages:
                break
            number += 1
        assert seen == expected and len(expected) > 50
