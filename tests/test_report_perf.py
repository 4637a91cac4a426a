"""The annual report at scale: long tables, the one-pass contents, bulk reading of the history (issue 6)."""
import datetime as dt
import gc
import io
import re

import pytest
import sqlalchemy as sa
import time_machine
from pypdf import PdfReader

from register.extensions import db
from register.gap.models import Finding, FindingSource, Severity
from register.preparedness.models import Exercise, ExerciseLevel, ExerciseType, SubPlan, SubPlanKind
from register.reports import document as d
from register.reports.data import build_report
from register.reports.gcpause import collector_paused
from register.reports.pdf import _Measure, register_fonts, render_pdf
from register.requirements.models import ImplementationStatus as S
from report_helpers import AS_OF, RECORDED
from test_reports import _section, _table
from requirement_helpers import assess


def _report(sections) -> d.Report:
    return d.Report("Fjordby Kommune", "Statusrapport for NIS2 og beredskab", 2025, dt.date(2025, 12, 31),
                    dt.datetime(2026, 1, 5, 8, 30, tzinfo=dt.UTC), "1", sections)


def _pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_a_long_table_has_every_row_once_in_order_with_the_header_on_every_page():
    rows = [[f"Række {i:04d}", f"Et krav med en titel, der er lang nok til at skulle ombrydes i cellen {i}", str(i)]
            for i in range(1, 601)]
    table = d.Table(["Kolonne A", "Kolonne B", "Antal"], rows, caption="Tabellens billedtekst",
                    widths=[1, 4, 1], numeric={2})
    pages = _pages(render_pdf(_report([d.Section("Bilag", [table])])))
    text = "\n".join(pages)
    found = [int(n) for n in re.findall(r"Række (\d{4})", text)]
    assert found == list(range(1, 601))  # each row once, in order, nothing lost at the page breaks
    table_pages = [p for p in pages if "Række" in p]
    assert len(table_pages) > 10 and all("Kolonne A" in p and "Kolonne B" in p for p in table_pages)
    assert text.count("Tabellens billedtekst") == 1  # the caption stays with the first rows only


def test_the_contents_give_the_page_each_heading_is_on_also_over_two_pages():
    sections = [d.Section(f"Afsnit {n}", [d.Section(f"Underafsnit {n}.{m}", [
        d.Table(["Ref.", "Titel"], [[f"{n}.{m}.{i}", "Titel"] for i in range(m * 3)])], level=2)
        for m in range(1, 31)]) for n in range(1, 4)]
    data = render_pdf(_report(sections))
    reader = PdfReader(io.BytesIO(data))
    where = {}

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                where[item.title] = reader.get_destination_page_number(item) + 1
    walk(reader.outline)
    assert len(where) == 93
    contents = " ".join(" ".join(page.extract_text() for page in reader.pages[1:4]).split())
    assert "Indhold" in contents and "Afsnit 3" in contents and "Underafsnit 3.30" in contents
    for title, page in where.items():
        assert re.search(re.escape(title) + r"[ .]*" + str(page) + r"(\D|$)", contents), (title, page)
    assert where["Underafsnit 3.30"] > where["Underafsnit 1.1"] > 3  # the contents took more than one page


def test_a_heading_before_a_long_table_stays_with_its_first_rows_on_a_started_page():
    rows = [[f"Række {i:04d}", "Titel"] for i in range(300)]
    pages = _pages(render_pdf(_report([d.Section("Bilag: Kravliste", [
        d.Para("Alle krav, der vurderes. " * 30),
        d.Section("Kommunens egne krav", [d.Table(["Ref.", "Krav"], rows)], level=2, page_break=False)])])))
    first = next(p for p in pages if "Bilag: Kravliste" in p and "Indhold" not in p)
    assert "Kommunens egne krav" in first and "Række 0000" in first  # not pushed to the next page


def test_a_narrow_column_is_widened_rather_than_cutting_a_date_or_a_figure():
    table = d.Table(["Frist", "Andel", "Tekst"], [["31.01.2025", "100 %", "ord " * 40]], widths=[0.6, 0.4, 10],
                    numeric={1})
    text = " ".join(" ".join(_pages(render_pdf(_report([d.Section("Tabel", [table])])))).split())
    assert "31.01.2025" in text and "100 %" in text


def test_cells_wrap_at_spaces_and_cut_only_words_that_do_not_fit():
    register_fonts()
    measure = _Measure("Plex", 8.5)
    text = "Krav om sikkerhedsforanstaltninger i netværks- og informationssystemer"
    lines = measure.lines(text, 130)
    assert len(lines) > 1 and " ".join(lines) == text
    assert all(measure.width(line) <= 130 for line in lines)
    cut = measure.lines("Informationssikkerhedskoordinationsudvalget", 40)
    assert len(cut) > 1 and "".join(cut) == "Informationssikkerhedskoordinationsudvalget"
    assert all(measure.width(line) <= 40 for line in cut)
    assert measure.lines("to\nlinjer", 200) == ["to", "linjer"]
    assert measure.lines("", 200) == [""]


def test_a_cell_longer_than_a_page_is_cut_rather_than_breaking_the_layout():
    long_text = "\n".join(f"Linje {i}" for i in range(200))
    pages = _pages(render_pdf(_report([d.Section("Bilag", [d.Table(["A", "B"], [["1", long_text], ["2", "kort"]])])])))
    text = "\n".join(pages)
    assert "Linje 0" in text and "…" in text and "Linje 199" not in text and "kort" in text


def test_the_collector_is_paused_only_inside_and_left_off_if_it_was_off():
    assert gc.isenabled()
    with pytest.raises(RuntimeError):
        with collector_paused():
            assert not gc.isenabled()
            raise RuntimeError("stop")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def _more_data(app, n: int, unit_id: int) -> None:
    """n more findings, exercises and sub-plans and more assessed requirements, entered with the known dataset."""
    with time_machine.travel(RECORDED, tick=False):
        _enter_more(app, n, unit_id)


def _enter_more(app, n: int, unit_id: int) -> None:
    for ref in ["nis2:21.2.d", "nis2:21.2.e", "nis2:21.2.f"]:
        assess(app, ref, status=S.IMPLEMENTED)
    with app.app_context():
        for i in range(n):
            db.session.add_all([
                Finding(title=f"Ekstra fund {i}", severity=Severity.HIGH, identified_on=dt.date(2025, 2, 1),
                        due_on=dt.date(2025, 3, 1), source_kind=FindingSource.GAP_ANALYSIS),
                Exercise(title=f"Ekstra øvelse {i}", exercise_type=ExerciseType.CRISIS_MANAGEMENT,
                         level=ExerciseLevel.BOARD, held_on=dt.date(2025, 3, 1)),
                SubPlan(title=f"Ekstra delplan {i}", kind=SubPlanKind.DELPLAN, unit_id=unit_id,
                        last_revised_on=dt.date(2020, 1, 1)),
            ])
        db.session.commit()


def test_building_the_report_runs_the_same_queries_for_little_and_much_data(app, known, count_queries):
    with count_queries() as few:
        with app.app_context():
            small = build_report(2025, AS_OF)
    _more_data(app, 25, known["unit"])
    with count_queries() as many:
        with app.app_context():
            large = build_report(2025, AS_OF)
    assert len(_table(large, "Gap-analyse", "Fund over frist").rows) == 26
    assert len(_table(large, "Gap-analyse", "Fund over frist").rows) > len(
        _table(small, "Gap-analyse", "Fund over frist").rows)
    assert "5 af 22" in " ".join(str(f.value) for b in _section(large, "Sammenfatning for direktionen").blocks
                                 if isinstance(b, d.Figures) for f in b.items)
    assert few.count == many.count


def test_each_models_history_is_read_once_per_date(app, known):
    reads = []

    def before(_conn, _cursor, statement, parameters, *_args):
        if "change_log" in statement:
            values = parameters.values() if isinstance(parameters, dict) else parameters
            reads.extend({v for v in values if v in ("requirement", "requirement_assessment", "gap_finding")})

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            build_report(2025, AS_OF)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)
    # the register once; the assessments in force on the date and a year earlier (by their effective dates); the
    # figures, the areas and the appendix share what was read
    assert sorted(reads) == ["gap_finding", "requirement", "requirement_assessment", "requirement_assessment"]
