"""Benchmark: the annual report for a large municipality (5,000 requirements, 2,000 findings, 200 exercises).

Run:  python bench/report_bench.py [--requirements 5000] [--findings 2000] [--exercises 200] [--repeat 3]
Uses a fresh SQLite database in a temporary folder, or DATABASE_URL if set (that database is upgraded and
receives the benchmark data: point it at a fresh, empty scratch database). The data is inserted in bulk with a
change history over three years (about 35,000 entries at the default size; the report reads the history as of
the year's end and a year earlier). build_report and render_pdf are timed --repeat times without tracing,
then once more under tracemalloc for the peak memory (tracing slows Python down several times, so its run
is not timed).
"""
import argparse
import datetime as dt
import os
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from register import create_app  # noqa: E402
from register.catalogs import loader  # noqa: E402
from register.catalogs.models import Catalog, Requirement  # noqa: E402
from register.core.history import ChangeLog, entry_hash, last_hash, owner_fields, to_json  # noqa: E402
from register.extensions import db, init_migrate  # noqa: E402
from register.gap.models import Finding  # noqa: E402
from register.incidents.models import Incident  # noqa: E402
from register.organisation.models import Unit  # noqa: E402
from register.preparedness.models import Exercise, ImprovementPoint, Milestone, Plan, SubPlan  # noqa: E402
from register.reports.data import build_report  # noqa: E402
from register.reports.pdf import render_pdf  # noqa: E402
from register.requirements.models import RequirementAssessment  # noqa: E402

RECORDED = dt.datetime(2025, 6, 1, 10, tzinfo=dt.UTC)
YEAR = 2025
STATUSES = ["implemented", "partly", "planned", "not_started", None]
SEVERITIES = ["critical", "high", "medium", "low"]


def bulk(model, rows: list[dict], versions=None) -> None:
    """Insert rows and their history entries (a valid hash chain), without the ORM's per-object cost.

    versions(row) -> [(at, changed values)], oldest first: the record's earlier states, each recorded at its
    time (the first as the insert); the row itself is the state recorded at RECORDED. Default: no history
    before RECORDED."""
    table = model.__table__
    defaults = {c.name: c.default.arg for c in table.columns
                if c.default is not None and c.default.is_scalar}
    rows = [defaults | row for row in rows]
    for column in table.columns:  # every row names every column, so executemany binds them all
        for row in rows:
            row.setdefault(column.name, None)
    conn = db.session.connection()
    conn.execute(table.insert(), rows)
    ignore = model.__history_ignore__
    entries = []
    for row in rows:
        state = {k: to_json(v) for k, v in row.items() if k not in ignore}
        earlier = versions(row) if versions else []
        for n, (at, values) in enumerate(earlier + [(RECORDED, {})]):
            full = state | {k: to_json(v) for k, v in values.items()}
            entries.append({"at": at, "actor_id": None, "actor": "bench", "action": "update" if n else "insert",
                            "entity": table.name, "entity_id": row["id"], "changes": {}, "state": full,
                            **owner_fields(table.name, full)})
    entries.sort(key=lambda e: e["at"])  # stable: each record's entries stay in order, ids follow time
    previous = last_hash(conn)
    for entry in entries:
        entry["prev_hash"] = previous
        entry["hash"] = previous = entry_hash(entry)
    conn.execute(ChangeLog.__table__.insert(), entries)


def _at(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, 10, tzinfo=dt.UTC)


def make_data(n_requirements: int, n_findings: int, n_exercises: int) -> None:
    loader.load_shipped()
    db.session.flush()
    units = [{"id": 1000 + i, "name": f"Enhed {i:02d}", "kind": "department"} for i in range(40)]
    bulk(Unit, units)
    catalog = Catalog(code="bench", version="1", title_da="Kommunens egne krav", sort_order=50)
    db.session.add(catalog)
    db.session.flush()
    areas, per_area = 50, max(1, n_requirements // 50 - 1)
    reqs, rid = [], 100_000
    for a in range(areas):
        area_id = rid
        reqs.append({"id": area_id, "catalog_id": catalog.id, "ref": f"K{a}", "display_ref": f"K{a}", "depth": 0,
                     "position": len(reqs), "kind": "area", "title_da": f"Område {a}", "attributes": {},
                     "search_text": "", "retired": False})
        rid += 1
        for i in range(per_area):
            reqs.append({"id": rid, "catalog_id": catalog.id, "ref": f"K{a}.{i}", "display_ref": f"K{a}.{i}",
                         "parent_id": area_id, "depth": 1, "position": len(reqs), "kind": "requirement",
                         "title_da": f"Krav {i} i område {a}: sikkerhedsforanstaltning med en længere titel",
                         "attributes": {}, "search_text": "", "retired": False})
            rid += 1
    # the catalogue was entered in 2023 and its titles revised in 2024
    bulk(Requirement, reqs, lambda r: [(_at(2023, 1, 10), {"title_da": r["title_da"] + " (udkast)"}),
                                       (_at(2024, 2, 1), {})])
    all_ids = db.session.execute(sa.select(Requirement.id)).scalars().all()
    bulk(RequirementAssessment, [
        {"id": 200_000 + i, "requirement_id": req_id, "applicable": i % 17 != 0, "status": STATUSES[i % 5],
         "status_from_controls": False, "responsible_unit_id": 1000 + i % 40,
         "next_review": dt.date(2025, 1, 1) + dt.timedelta(days=i % 500)} for i, req_id in enumerate(all_ids)],
        # assessed in 2023, reassessed in 2024 (the previous year's figures) and again in 2025
        lambda a: [(_at(2023, 6, 1), {"status": "not_started", "next_review": dt.date(2024, 6, 1)}),
                   (_at(2024, 5, 1), {"status": STATUSES[(a["id"] + 2) % 5], "next_review": dt.date(2025, 5, 1)}),
                   (_at(2024, 11, 1), {"status": STATUSES[(a["id"] + 1) % 5]})])
    bulk(Finding, [
        {"id": 300_000 + i, "source_kind": "gap_analysis",
         "title": f"Fund {i}: mangel i opsætningen af system {i % 90}",
         "severity": SEVERITIES[i % 4], "cost": ["low", "medium", "high", None][i % 4],
         "identified_on": dt.date(2025, 1, 15), "due_on": dt.date(2025, 1, 1) + dt.timedelta(days=i % 400),
         "status": "closed" if i % 3 == 0 else "open", "closed_on": dt.date(2025, 5, 1) if i % 3 == 0 else None,
         "unit_id": 1000 + i % 40, "created_at": RECORDED} for i in range(n_findings)],
        lambda f: [(_at(2025, 1, 15), {"status": "open", "closed_on": None})] if f["status"] == "closed" else [])
    bulk(Plan, [{"id": 400_000, "title": "Beredskabsplan 2022-2025", "legal_basis": "beredskabsloven_25",
                 "council_term_start": 2022, "status": "in_force", "adopted_on": dt.date(2022, 9, 1),
                 "submitted_to_brs_on": dt.date(2022, 10, 1)}])
    bulk(Milestone, [{"id": 410_000 + i, "plan_id": 400_000, "position": i, "title": f"Milepæl {i}",
                      "window_start": dt.date(2025, 1 + i % 12, 1), "window_end": dt.date(2025, 1 + i % 12, 1),
                      "status": "done" if i % 2 else "planned",
                      "completed_on": dt.date(2025, 1 + i % 12, 20) if i % 2 else None} for i in range(24)])
    bulk(SubPlan, [{"id": 420_000 + i, "title": f"Delplan {i}", "kind": "delplan", "unit_id": 1000 + i % 40,
                    "last_revised_on": dt.date(2022 + i % 4, 3, 1), "active": True} for i in range(150)])
    bulk(Exercise, [{"id": 430_000 + i, "title": f"Øvelse {i}", "exercise_type": "dilemma",
                     "level": "board" if i % 5 == 0 else "sub_plan", "held_on": dt.date(2025, 1 + i % 5, 1 + i % 28),
                     "evaluation_purpose": "Formål", "observations": "Obs" if i % 2 else None,
                     "criteria_assessment": "Vurdering", "is_demo": False} for i in range(n_exercises)])
    bulk(ImprovementPoint, [{"id": 440_000 + i, "exercise_id": 430_000 + i % n_exercises,
                             "title": f"Forbedring {i}", "status": "open" if i % 2 else "done",
                             "due_on": dt.date(2025, 4, 1)} for i in range(n_exercises * 2)])
    bulk(Incident, [{"id": 450_000 + i, "title": f"Hændelse {i}",
                     "detected_at": RECORDED - dt.timedelta(days=i), "aware_at": RECORDED - dt.timedelta(days=i),
                     "description": "Benchmark", "significance": "significant" if i % 10 == 0 else "not_significant",
                     "status": "closed"} for i in range(100)])
    db.session.commit()


def _run() -> tuple[float, float, bytes]:
    began = time.perf_counter()
    report = build_report(YEAR)
    built = time.perf_counter()
    pdf = render_pdf(report)
    return built - began, time.perf_counter() - built, pdf


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requirements", type=int, default=5000)
    parser.add_argument("--findings", type=int, default=2000)
    parser.add_argument("--exercises", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs (the median is reported)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
        os.environ["REGISTER_INSTANCE_PATH"] = tmp
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                          "MUNICIPALITY_NAME": "Benchmark Kommune"})
        init_migrate(app)
        with app.app_context():
            upgrade(revision="heads")
            began = time.perf_counter()
            make_data(args.requirements, args.findings, args.exercises)
            counted = db.session.execute(sa.select(sa.func.count(Requirement.id))).scalar()
            entries = db.session.execute(sa.select(sa.func.count(ChangeLog.id))).scalar()
            print(f"data: {counted} requirements, {args.findings} findings, {args.exercises} exercises, "
                  f"{entries} history entries ({time.perf_counter() - began:.1f} s to insert)")
            db.session.remove()
            first = _run()  # first use in the process: mapper configuration, font loading
            print(f"first run: build_report {first[0]:.2f} s, render_pdf {first[1]:.2f} s (not counted)")
            runs = []
            for _ in range(args.repeat):
                db.session.remove()
                runs.append(_run())
                print(f"run {len(runs)}: build_report {runs[-1][0]:.2f} s, render_pdf {runs[-1][1]:.2f} s")
            build = statistics.median(r[0] for r in runs)
            render = statistics.median(r[1] for r in runs)
            total = statistics.median(r[0] + r[1] for r in runs)
            db.session.remove()
            tracemalloc.start()
            _build, _render, pdf = _run()
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            pages = len(re.findall(rb"/Type /Page[^s]", pdf))
            print(f"build_report {build:6.2f} s (median of {len(runs)})")
            print(f"render_pdf   {render:6.2f} s  ({len(pdf) / 1e6:.1f} MB, {pages} pages)")
            print(f"total        {total:6.2f} s, peak memory {peak / 1e6:.0f} MB (tracemalloc, separate run)")
            out = Path(tmp).parent / "report-bench.pdf"
            out.write_bytes(pdf)
            print(f"PDF written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
