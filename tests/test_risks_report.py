"""The annual report's section on risks and suppliers, with the heat map, read back from the PDF and the page."""
import datetime as dt
import io
import re

from pypdf import PdfReader

from register.core.dates import local_today
from register.extensions import db
from register.risks import services
from register.risks.models import AcceptanceBody, Risk, RiskSource, Treatment
from register.suppliers.models import Criticality, Supplier

from conftest import html


def _register(app, make_unit):
    unit = make_unit(name="Digitalisering")
    with app.app_context():
        for n in range(3):
            db.session.add(Risk(title=f"Ransomware på fagsystem {n}", owner_unit_id=unit, inherent_likelihood=5,
                                inherent_consequence=5))
        accepted = Risk(title="Langvarigt strømsvigt", source=RiskSource.PREPAREDNESS, owner_unit_id=unit,
                        inherent_likelihood=4, inherent_consequence=4, residual_likelihood=2,
                        residual_consequence=3, treatment=Treatment.ACCEPT)
        db.session.add(accepted)
        db.session.flush()
        services.record_acceptance(accepted, AcceptanceBody.COMMITTEE, "Økonomiudvalget", local_today(),
                                   "Sag 7", None, None)
        db.session.add(Supplier(name="KOMBIT", criticality=Criticality.CRITICAL, owner_unit_id=unit))
        db.session.commit()


def _matrix_rows(text: str, title: str) -> dict[str, list[tuple[int, str]]]:
    """The heat map titled `title` as read from the PDF text: row label -> [(count, band)] per column."""
    part = text.split(title, 1)[1].split("5 Katastrofal", 1)[1]
    rows = {}
    for label in ("5 Meget sandsynlig", "4 Sandsynlig", "3 Mulig", "2 Usandsynlig"):
        chunk = part.split(label, 1)[1]
        rows[label] = [(int(n), band) for n, band in re.findall(r"(\d+)\s+(Lav|Middel|Høj|Kritisk)", chunk)[:5]]
    return rows


def test_the_annual_report_has_the_risk_section_with_the_heat_map(app, client, login, make_unit):
    _register(app, make_unit)
    login("board")
    year = local_today().year
    response = client.get(f"/rapporter/pdf?year={year}")
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.get_data()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Risici og leverandører" in [o.title for o in reader.outline if not isinstance(o, list)]
    residual = _matrix_rows(text, "Risikomatrix: restrisiko")
    assert residual["5 Meget sandsynlig"] == [(0, "Middel"), (0, "Høj"), (0, "Høj"), (0, "Kritisk"), (3, "Kritisk")]
    assert residual["2 Usandsynlig"][2] == (1, "Middel")  # the accepted risk after treatment
    inherent = _matrix_rows(text, "Risikomatrix: iboende risiko")
    assert inherent["4 Sandsynlig"][3] == (1, "Høj")
    assert "Ransomware på fagsystem 0" in text and "Økonomiudvalget" in text and "Sag 7" in text
    assert "KOMBIT" in text and "Aldrig gennemgået" in text
    assert re.search(r"4\s+Aktive risici", text) and re.search(r"3\s+Høje og kritiske", text)


def test_the_report_page_draws_the_heat_map_as_a_table(app, client, login, make_unit):
    _register(app, make_unit)
    login("board")
    page = html(client.get(f"/rapporter/vis?year={local_today().year}"))
    section = page.split(">Risici og leverandører</h2>")[1]
    matrix = section.split('class="heat-map"')[1].split("</table>")[0]
    assert "<caption>Risikomatrix: restrisiko</caption>" in matrix
    assert '<span class="heat-count">3</span> <span class="small">Kritisk</span>' in matrix
    assert "sandsynlighed 5 Meget sandsynlig, konsekvens 5 Katastrofal: 3" in section  # the words for readers


def test_the_section_reads_the_register_by_the_records_own_dates_and_the_audit_view_by_the_history(app, make_unit):
    from register.reports.data import build_report

    _register(app, make_unit)
    with app.app_context():
        year = local_today().year
        last_year = dt.date(year - 1, 12, 31)
        by_dates = build_report(year - 1, last_year, today=local_today())
        audit = build_report(year - 1, last_year, today=local_today(), registered_on=last_year)
    section = next(s for s in by_dates.sections if s.title == "Risici og leverandører")
    figures = [f.value for f in section.blocks[1].items]
    # A risk has no date of its own: the register's risks are shown; the acceptance decided today did not exist
    # at the end of last year, so the accepted risk still waits for it there.
    assert figures[0] == "4" and figures[2] == "1"
    accepted = next(b for b in section.blocks if getattr(b, "caption", "") == f"Risici accepteret i {year - 1}")
    assert accepted.rows == []
    section = next(s for s in audit.sections if s.title == "Risici og leverandører")
    assert section.blocks[1].items[0].value == "0"  # the register at the end of last year held no risks
