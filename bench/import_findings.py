"""Benchmark: import 10,000 findings from a generated consultant's workbook, then import it again (updates).

The file has what consultants deliver: a title and a date above the header row, Danish headers with units
("Anslået omkostning (kr.)"), amounts such as "45.000 kr." and "DKK 120,000", dates such as "31-03-2026" and
"31. marts 2026". Besides the times it prints the process's peak resident memory after each step.

Run:  python bench/import_findings.py [--rows 10000] [--csv]
Uses a fresh SQLite database in a temporary folder, or DATABASE_URL if set (that database is upgraded and
receives the benchmark data: point it at a scratch database).
"""
import argparse
import csv
import datetime as dt
import functools
import io
import os
import resource
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
from register.extensions import db, init_migrate  # noqa: E402
from register.gap import importer, services  # noqa: E402
from register.gap.models import Assessment, AssessorKind  # noqa: E402
from register.organisation.models import Unit, UnitKind  # noqa: E402

UNITS = ["IT-drift", "Informationssikkerhed", "Økonomi og HR", "Skoler", "Sundhed og Omsorg"]
SEVERITIES = ["Kritisk", "Høj", "Middel", "Lav"]
COSTS = ["Lav", "45.000 kr.", "DKK 120,000", "50.000–100.000 kr.", 300000]
MONTHS = ["januar", "februar", "marts", "april", "maj", "juni", "juli", "august", "september", "oktober",
          "november", "december"]


def generate(rows: int, as_csv: bool, edition: int = 1) -> tuple[bytes, str]:
    title = [["Gap-analyse – benchmark"], ["Dato: 01.01.2026"], []]
    header = ["Nr.", "Fund", "Beskrivelse", "CIS-kontrol", "Krav", "Alvorlighed", "Anslået omkostning (kr.)",
              "Indsats", "Ansvarlig enhed", "Ejer", "Frist", "Status"]
    body = []
    start = dt.date(2026, 1, 1)
    for i in range(rows):
        body.append([f"B-{i:05d}", f"Fund nummer {i} (udgave {edition})", "Genereret til benchmark. " * 3,
                     f"CIS {1 + i % 18}; {1 + (i * 7) % 18}", "nis2:21.2.d" if i % 3 == 0 else "",
                     SEVERITIES[i % 4], COSTS[i % len(COSTS)], f"{1 + i % 30} dage", UNITS[i % len(UNITS)],
                     f"Ejer {i % 50}", _due(start + dt.timedelta(days=i % 365), i), "Åben"])
    if as_csv:
        out = io.StringIO()
        csv.writer(out, delimiter=";").writerows(title + [header] + body)
        return ("\ufeff" + out.getvalue()).encode("utf-8"), "bench.csv"
    workbook = Workbook()
    for row in title + [header] + body:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), "bench.xlsx"


def _due(day: dt.date, i: int) -> str:
    """The date formats Danish offices write, in turn."""
    return (day.strftime("%d-%m-%Y"), day.strftime("%d.%m.%Y"), f"{day.day}. {MONTHS[day.month - 1]} {day.year}",
            day.isoformat())[i % 4]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def timed(label: str, fn):
    began = time.perf_counter()
    result = fn()
    print(f"{label:38} {time.perf_counter() - began:7.2f} s   peak RSS {peak_mb():5.0f} MB")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--csv", action="store_true", help="generate a CSV file instead of XLSX")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="register-bench-")
    os.environ.setdefault("REGISTER_INSTANCE_PATH", folder)
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    init_migrate(app)
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
        print(f"{'peak RSS before the import':38} {peak_mb():7.0f} MB")
        data, name = timed(f"generate {args.rows} rows ({'CSV' if args.csv else 'XLSX'})",
                           lambda: generate(args.rows, args.csv))
        print(f"{'file size':38} {len(data) / 1024:7.0f} KiB")
        for edition in (1, 2):
            if edition == 2:
                data, name = generate(args.rows, args.csv, edition=2)
            total = time.perf_counter()
            plan_import = functools.partial(importer.plan_import, data, name, assessment)
            plan = timed(f"[{edition}] preview (parse and plan)", plan_import)
            assert plan.ok, plan.errors[:5]
            plan = timed(f"[{edition}] confirm: parse and plan again", plan_import)
            result = timed(f"[{edition}] confirm: store", functools.partial(importer.apply_import, plan, assessment))
            timed(f"[{edition}] confirm: commit", db.session.commit)
            print(f"{f'[{edition}] total':38} {time.perf_counter() - total:7.2f} s   {result}")
            db.session.expire_all()


if __name__ == "__main__":
    main()
