"""Benchmark: import 5,000 findings from a generated XLSX file, then import it again (updates).

Run:  python bench/import_findings.py [--rows 5000] [--csv]
Uses a fresh SQLite database in a temporary folder, or DATABASE_URL if set (that database is upgraded and
receives the benchmark data: point it at a scratch database).
"""
import argparse
import csv
import datetime as dt
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade  # noqa: E402
from openpyxl import Workbook  # noqa: E402

from register import create_app  # noqa: E402
from register.catalogs import loader  # noqa: E402
from register.core.history import acting_as  # noqa: E402
from register.extensions import db  # noqa: E402
from register.gap import importer, services  # noqa: E402
from register.gap.models import Assessment, AssessorKind  # noqa: E402
from register.organisation.models import Unit, UnitKind  # noqa: E402

UNITS = ["IT-drift", "Informationssikkerhed", "Økonomi og HR", "Skoler", "Sundhed og Omsorg"]
SEVERITIES = ["Kritisk", "Høj", "Middel", "Lav"]
COSTS = ["Lav", "Middel", "Høj", "120.000 kr."]


def generate(rows: int, as_csv: bool, edition: int = 1) -> tuple[bytes, str]:
    header = ["Id", "Titel", "Beskrivelse", "CIS-kontrol", "Krav", "Kritikalitet", "Omkostning", "Indsats",
              "Ansvarlig enhed", "Ejer", "Frist", "Status"]
    body = []
    start = dt.date(2026, 1, 1)
    for i in range(rows):
        body.append([f"B-{i:05d}", f"Fund nummer {i} (udgave {edition})", "Genereret til benchmark. " * 3,
                     f"CIS {1 + i % 18}; {1 + (i * 7) % 18}", "nis2:21.2.d" if i % 3 == 0 else "",
                     SEVERITIES[i % 4], COSTS[i % 4], f"{1 + i % 30} dage", UNITS[i % len(UNITS)],
                     f"Ejer {i % 50}", (start + dt.timedelta(days=i % 365)).isoformat(), "Åben"])
    if as_csv:
        out = io.StringIO()
        csv.writer(out, delimiter=";").writerows([header] + body)
        return ("\ufeff" + out.getvalue()).encode("utf-8"), "bench.csv"
    workbook = Workbook()
    for row in [header] + body:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), "bench.xlsx"


def timed(label: str, fn):
    began = time.perf_counter()
    result = fn()
    print(f"{label:38} {time.perf_counter() - began:7.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--csv", action="store_true", help="generate a CSV file instead of XLSX")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="register-bench-")
    os.environ.setdefault("REGISTER_INSTANCE_PATH", folder)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context(), acting_as("bench"):
        upgrade(revision="heads")
        loader.load_shipped()
        for name in UNITS:
            if not db.session.query(Unit.id).filter_by(name=name).first():
                db.session.add(Unit(name=name, kind=UnitKind.DEPARTMENT))
        assessment = services.create_assessment(Assessment(
            name=f"Benchmark {time.time():.0f}", assessed_on=dt.date(2026, 1, 1),
            assessor_kind=AssessorKind.INTERNAL, method="CIS Controls v8"))
        db.session.commit()
        data, name = timed(f"generate {args.rows} rows ({'CSV' if args.csv else 'XLSX'})",
                           lambda: generate(args.rows, args.csv))
        print(f"{'file size':38} {len(data) / 1024:7.0f} KiB")
        for edition in (1, 2):
            if edition == 2:
                data, name = generate(args.rows, args.csv, edition=2)
            total = time.perf_counter()
            plan = timed(f"[{edition}] preview (parse and plan)", lambda: importer.plan_import(data, name, assessment))
            assert plan.ok, plan.errors[:5]
            plan = timed(f"[{edition}] confirm: parse and plan again", lambda: importer.plan_import(data, name, assessment))
            result = timed(f"[{edition}] confirm: store", lambda: importer.apply_import(plan, assessment))
            timed(f"[{edition}] confirm: commit", db.session.commit)
            print(f"{'[%d] total' % edition:38} {time.perf_counter() - total:7.2f} s   {result}")
            db.session.expire_all()


if __name__ == "__main__":
    main()
