"""Factories for the gap-analysis tests (imported by tests/test_gap*.py)."""
import csv
import datetime as dt
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from register.catalogs.models import Catalog, Requirement
from register.extensions import db
from register.gap import services
from register.gap.models import (Assessment, AssessorKind, ControlScore, Finding, FindingSource, FindingStatus,
                                 Severity)


def cis_id(ref: str) -> int:
    """The id of a CIS control (call inside an app context)."""
    return db.session.execute(sa.select(Requirement.id).join(Catalog).where(
        Catalog.code == "cis-v8", Requirement.ref == ref)).scalar_one()


@pytest.fixture
def make_assessment(app, catalogs):
    """make_assessment(scores={'1': (current, target)}, **overrides) -> id."""

    def factory(scores=None, start_from=None, **overrides):
        values = {"name": "Gap-analyse", "assessed_on": dt.date(2025, 3, 12),
                  "assessor_kind": AssessorKind.EXTERNAL, "assessor_name": "Rådgiver A/S",
                  "method": "CIS Controls v8"} | overrides
        with app.app_context():
            previous = db.session.get(Assessment, start_from) if start_from else None
            assessment = services.create_assessment(Assessment(**values), previous)
            for ref, (current, target) in (scores or {}).items():
                db.session.add(ControlScore(assessment_id=assessment.id, requirement_id=cis_id(ref),
                                            current_level=current, target_level=target))
            db.session.commit()
            return assessment.id

    return factory


@pytest.fixture
def make_finding(app):
    """make_finding(controls=['7'], **overrides) -> id."""

    def factory(controls=(), **overrides):
        values = {"title": "Fund", "severity": Severity.MEDIUM, "identified_on": dt.date(2025, 3, 12),
                  "source_kind": FindingSource.GAP_ANALYSIS, "status": FindingStatus.OPEN} | overrides
        with app.app_context():
            finding = Finding(**values)
            db.session.add(finding)
            services.set_requirements(finding, {cis_id(ref) for ref in controls})
            db.session.commit()
            return finding.id

    return factory


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], delimiter: str = ";", bom: bool = True) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows([["" if v is None else v for v in row] for row in rows])
    text = out.getvalue()
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def upload(client, assessment_id: int, data: bytes, filename: str):
    return client.post(f"/gap-analyse/vurderinger/{assessment_id}/import",
                       data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def uploads_in(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_FOLDER"]) / "gap-import"
    return sorted(folder.iterdir()) if folder.exists() else []
