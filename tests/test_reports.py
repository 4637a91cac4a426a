"""The annual status report: figures from a known dataset, as-of dates from the history, HTML, archive, access."""
import datetime as dt
import hashlib
import io
import itertools
import re
import time

import itsdangerous.timed
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from register.core.dates import local_today
from register.extensions import db
from register.gap.models import Finding, FindingStatus
from register.reports import services
from register.reports.data import build_report
from register.reports.models import ArchivedReport, ArchiveImmutable
from register.reports.pdf import render_pdf
from register.requirements.models import ImplementationStatus as S

from conftest import html
from report_helpers import AS_OF
from requirement_helpers import assess


def _text(report) -> str:
    """The PDF's text with line breaks as spaces (table cells and figures wrap)."""
    reader = PdfReader(io.BytesIO(render_pdf(report)))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _section(report, title):
    return next(s for s in report.sections if s.title == title)


def _tables(blocks):
    from register.reports import document as d

    for block in blocks:
        if isinstance(block, d.Table):
            yield block
        elif isinstance(block, d.Section):
            yield from _tables(block.blocks)


def _table(report, section, caption):
    return next(t for t in _tables(_section(report, section).blocks) if t.caption == caption)


def test_the_pdf_states_the_known_datasets_figures(app, known):
    with app.app_context():
        report = build_report(2025, AS_OF)
    text = _text(report)
    assert text.startswith("Testkommune") and "Status pr. 31. marts 2025" in text
    assert "2 af 22" in text  # NIS2: 23 counted, one not relevant, two implemented
    assert "Vedtaget" in text and "Vedtaget 01.06.2022 i valgperioden 2022-2025." in text
    assert "1 af 1" in text  # the board exercise target
    assert "Mangler totrinsgodkendelse" in text
    assert "1 milepæl nået til tiden, 0 nået for sent, 1 forsinket" in text
    assert "1 af 1 aktiv delplan eller indsatsplan" in text
    assert "Ransomware på filserver" in text and "3 over frist" in text
    assert "Gap-analyse 2025" in text and "Modenhed pr. CIS-kontrol" in text
    assert "Bilag: Kravliste" in text and "Varetages" not in text
    with app.app_context():
        report = build_report(2025, AS_OF)
    areas = _table(report, "NIS2-status", "Art. 21, stk. 2, litra a–j")
    assert areas.rows[0][:4] == [areas.rows[0][0], "1", "1", "0"] and areas.rows[0][0].startswith("21(2)(a)")
    assert areas.rows[1][:4] == [areas.rows[1][0], "1", "0", "1"]
    overdue = _table(report, "Gap-analyse", "Fund over frist")
    assert overdue.rows == [["Mangler totrinsgodkendelse", "Kritisk", "1 – straks", "Digitalisering og IT",
                             "20.02.2025", "39"]]
    cis = _table(report, "Gap-analyse", "Modenhed pr. CIS-kontrol")
    assert cis.rows[0][2:5] == ["2", "4", "−2"] and cis.rows[1][2:5] == ["3", "3", "nået"]


def test_the_summary_names_decisions_derived_from_the_data(app, known):
    with app.app_context():
        report = build_report(2025, AS_OF)
    from register.reports import document as d

    summary = _section(report, "Sammenfatning for direktionen")
    [decisions] = [b for b in summary.blocks if isinstance(b, d.Bullets)]
    joined = " ".join(decisions.items)
    assert "1 fund i handlingsplanen er over sin frist (1 med prioritet 1 eller 2)" in joined
    assert "1 kritisk fund er stadig åbent" in joined
    assert "1 delplan er ikke revideret inden for 24 måneder" in joined
    assert "1 væsentlig hændelse blev ikke indberettet rettidigt" in joined
    assert "godkendelse i direktionen" not in joined  # an executive approval exists in 2025


def test_the_year_is_read_by_the_records_own_dates_and_the_audit_view_by_the_history(app, known):
    with app.app_context():  # changed today: closed and implemented today, so not in 2025
        finding = db.session.execute(
            sa.select(Finding).where(Finding.title == "Mangler totrinsgodkendelse")).scalar_one()
        finding.status, finding.closed_on = FindingStatus.CLOSED, local_today()
        db.session.commit()
    assess(app, "nis2:21.2.b", status=S.IMPLEMENTED)
    with app.app_context():
        end_of_2025 = build_report(2025)
        current = build_report(local_today().year)
        before = build_report(2025, dt.date(2025, 2, 1))
        audit = build_report(2025, registered_on=dt.date(2025, 2, 1))
    assert end_of_2025.as_of == dt.date(2025, 12, 31) and end_of_2025.registered_on is None
    assert "2 af 22" in _text(end_of_2025)
    assert _table(end_of_2025, "Gap-analyse", "Fund over frist").rows[0][0] == "Mangler totrinsgodkendelse"
    assert "3 af 22" in _text(current)
    assert _table(current, "Gap-analyse", "Fund over frist").rows == []
    assert current.as_of == local_today()  # the app's day is Copenhagen's, not the machine's UTC date
    text = _text(before)  # before the assessments took effect and before the gap analysis
    assert "0 af 23" in text and "Der er ikke gennemført en gap-analyse" in text
    assert "Ransomware på filserver" in text  # the incident became known on 1 February, before the day ended
    units = _table(end_of_2025, "NIS2-status", "Alle kataloger, fordelt på den ansvarlige enhed")
    it_row = next(r for r in units.rows if r[0] == "Digitalisering og IT")
    assert it_row[1:3] == ["2", "1"] and it_row[7] == "ny"  # a year earlier nothing had taken effect
    text = _text(audit)  # the register on 1 February 2025 held nothing: the catalogue came later
    assert audit.as_of == dt.date(2025, 2, 1) and "Revisionsvisning" in text
    assert "NIS2-kataloget er ikke indlæst." in text and "Der er ikke gennemført en gap-analyse" in text
    assert audit.filename == "statusrapport-2025-pr-2025-02-01-registret-2025-02-01.pdf"


def test_the_html_page_renders_the_same_report_accessibly(app, client, login, known):
    login("board")
    response = client.get("/rapporter/vis?year=2025&as_of=2025-03-31")
    page = html(response)
    assert response.status_code == 200
    assert "<h1>Statusrapport for NIS2 og beredskab 2025</h1>" in page
    assert '<h2 id="afsnit-1-titel">Sammenfatning for direktionen</h2>' in page
    assert "<caption>Fund over frist</caption>" in page and '<th scope="col">Kritikalitet</th>' in page
    assert '<th scope="row">Mangler totrinsgodkendelse</th>' in page
    assert "Modenhed pr. CIS-kontrol: diagrammets tal" in page  # the chart's data as a table
    assert 'lang="da"' in page and "2 af 22" in page
    assert 'href="/rapporter/pdf?year=2025&amp;as_of=2025-03-31"' in page


def test_pdf_download_and_bad_input(app, client, login, known):
    login("board")
    response = client.get("/rapporter/pdf?year=2025&as_of=2025-03-31")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert 'filename="statusrapport-2025-pr-2025-03-31.pdf"' in response.headers["Content-Disposition"]
    assert "2 af 22" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    future = local_today().year + 1
    response = client.get(f"/rapporter/pdf?year={future}")
    assert response.status_code == 422 and f"Året skal ligge mellem 2000 og {future - 1}." in html(response)
    response = client.get("/rapporter/vis?year=2025&as_of=2024-06-01")
    assert response.status_code == 422 and "Statusdatoen skal ligge i 2025 eller senere." in html(response)
    assert client.get("/rapporter/vis?year=abc").status_code == 422


def _archive(client, **overrides):
    data = {"year": "2025", "as_of": "2025-03-31", "approved_by": "Direktionen", "approved_on": "2025-04-10",
            "note": "Punkt 4 på mødet"} | overrides
    return client.post("/rapporter/arkiv", data=data)


def test_archiving_keeps_the_report_unchanged_with_its_hash(app, client, login, known):
    login("admin")
    assert _archive(client).status_code == 302
    with app.app_context():
        entry = db.session.execute(sa.select(ArchivedReport)).scalar_one()
        assert entry.sha256 == hashlib.sha256(entry.pdf).hexdigest() and entry.created_by == "admin@test.example"
        assert (entry.approved_by, entry.approved_on, entry.as_of) == ("Direktionen", dt.date(2025, 4, 10), AS_OF)
        assert "version godkendt" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(entry.pdf)).pages)
        entry.note = "ændret"
        with pytest.raises(ArchiveImmutable):
            db.session.commit()
        db.session.rollback()
        db.session.delete(entry)
        with pytest.raises(ArchiveImmutable):
            db.session.commit()
        db.session.rollback()
        report_id, digest = entry.id, entry.sha256
    response = _archive(client, approved_by="Nogen andre")
    assert response.status_code == 422 and "allerede arkiveret en officiel rapport for 2025" in html(response)
    page = html(client.get("/rapporter/"))
    assert digest in page and f'href="/rapporter/arkiv/{report_id}.pdf"' in page and "Punkt 4 på mødet" in page
    download = client.get(f"/rapporter/arkiv/{report_id}.pdf")
    assert hashlib.sha256(download.data).hexdigest() == digest
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(ArchivedReport.id))).scalar() == 1


def test_archive_form_errors_are_shown(client, login, known):
    login("admin")
    response = _archive(client, approved_by="", approved_on="")
    page = html(response)
    assert response.status_code == 422 and "Angiv hvem der har godkendt rapporten" in page
    assert "Angiv datoen for godkendelsen." in page


def _fake_archive(app, year: int, pdf: bytes = b"%PDF-1.4 test") -> int:
    with app.app_context():
        entry = ArchivedReport(year=year, as_of=dt.date(year, 12, 31), pdf=pdf, size=len(pdf),
                               sha256=hashlib.sha256(pdf).hexdigest(), filename=f"r{year}.pdf", created_by="test",
                               approved_by="Direktionen", approved_on=dt.date(year + 1, 1, 15))
        db.session.add(entry)
        db.session.commit()
        return entry.id


def test_history_verify_detects_an_altered_archived_pdf(app):
    _fake_archive(app, 2024)
    report_id = _fake_archive(app, 2025)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["history", "verify"])
    assert result.exit_code == 0 and "OK: 2 archived reports match their SHA-256." in result.output
    with app.app_context():  # tamper with the stored bytes behind the ORM's back, as an attacker would
        db.session.execute(sa.update(ArchivedReport.__table__).where(ArchivedReport.__table__.c.id == report_id)
                           .values(pdf=b"%PDF-1.4 forged"))
        db.session.commit()
    result = runner.invoke(args=["history", "verify"])
    assert result.exit_code != 0
    assert f"Archived report 2025 (id {report_id}): the PDF does not match its stored SHA-256" in result.output


def test_the_archive_list_runs_the_same_queries_for_one_or_many(app, client, login, count_queries):
    login("board")
    _fake_archive(app, 2020)
    with count_queries() as few:
        assert client.get("/rapporter/").status_code == 200
    for year in range(2021, 2026):
        _fake_archive(app, year)
    with count_queries() as many:
        page = html(client.get("/rapporter/"))
    assert "2025" in page and few.count == many.count


def test_cli_writes_the_pdf_and_explains_errors(app, known, tmp_path):
    runner = app.test_cli_runner()
    out = tmp_path / "status-2025.pdf"
    result = runner.invoke(args=["report", "--year", "2025", "--out", str(out), "--as-of", "2025-03-31"])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF") and "as of 2025-03-31" in result.output
    result = runner.invoke(args=["report", "--year", "1999", "--out", str(out)])
    assert result.exit_code == 1 and "Året skal ligge mellem 2000" in result.output
    result = runner.invoke(args=["report", "--year", "2025", "--out", str(tmp_path / "nope" / "x.pdf")])
    assert result.exit_code == 1 and "does not exist" in result.output
    result = runner.invoke(args=["report", "--year", "2025", "--out", str(out), "--as-of", "31-12-2025"])
    assert result.exit_code == 2 and "does not match the format '%Y-%m-%d'" in result.output
    result = runner.invoke(args=["report", "--year", "2025", "--out", str(out), "--registered-on", "2025-02-01"])
    assert result.exit_code == 0 and "as of 2025-02-01" in result.output
    assert "Revisionsvisning" in " ".join(p.extract_text() for p in PdfReader(io.BytesIO(out.read_bytes())).pages)


def test_the_nav_links_to_reports(client, login):
    login("board")
    assert 'href="/rapporter/"' in html(client.get("/"))


@pytest.mark.parametrize("role,status", [("board", 403), ("security", 403), ("preparedness", 403)])
def test_only_administrators_can_archive(app, client, login, users, role, status):
    login(role)
    assert _archive(client).status_code == status
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(ArchivedReport.id))).scalar() == 0


@pytest.mark.parametrize("url", ["/rapporter/", "/rapporter/vis?year=2025", "/rapporter/pdf?year=2025"])
def test_reading_needs_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/konto/login" in response.headers["Location"]


def test_the_archive_service_refuses_a_second_version(app, known):
    with app.app_context():
        services.archive_report(2025, AS_OF, "cli", "Direktionen", dt.date(2025, 4, 1), None)
        db.session.commit()
        with pytest.raises(services.ReportError):
            services.archive_report(2025, None, "cli", "Direktionen", dt.date(2025, 4, 1), None)


# A CSRF token, as itsdangerous signs it: payload, timestamp and signature, each in URL-safe base64
CSRF_TOKEN = re.compile(r"[\w-]{20,}\.[\w-]{4,8}\.[\w-]{20,}")


def without_tokens(page):
    """A page without its CSRF tokens (in forms and in htmx's headers), which carry a timestamp: two
    renderings a second apart differ there."""
    return CSRF_TOKEN.sub("<token>", page)


def test_the_report_is_danish_for_a_reader_who_chose_english(app, client, login, known, monkeypatch):
    """The board's report is always Danish, even labels that the reader's English pages translate."""
    # each signature a second later than the one before, so the page's tokens always differ between the two
    # renderings compared below, as they do whenever a second passes (the comparison leaves them out)
    clock = itertools.count(int(time.time()))
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda _signer: next(clock))
    login("board")
    client.post("/konto/sprog", data={"language": "en", "next": "/"})
    assert ">Requirements<" in html(client.get("/"))
    before = without_tokens(html(client.get("/krav/?status=implemented")))
    assert ">Implemented<" in before
    report = html(client.get("/rapporter/vis?year=2025"))
    assert "Implementeret" in report and "Ikke vurderet" in report
    assert "Implemented" not in report and "Not assessed" not in report
    # and drawing the Danish report did not leave Danish labels behind for the reader's English pages
    assert without_tokens(html(client.get("/krav/?status=implemented"))) == before
