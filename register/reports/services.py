"""Report operations shared by the web pages and the command line; flush, never commit."""
import datetime as dt
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import defer

from register.core.history import chain_head, write_anchor
from register.extensions import db
from register.reports.data import ReportError, build_report
from register.reports.models import ArchivedReport

OFFICIAL_VERSION = "godkendt"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archived_for(year: int) -> ArchivedReport | None:
    return db.session.execute(sa.select(ArchivedReport).options(defer(ArchivedReport.pdf))
                              .where(ArchivedReport.year == year)).scalar_one_or_none()


def archive_list() -> list[ArchivedReport]:
    """Every archived report, newest year first, without the PDF bytes (one query)."""
    return list(db.session.execute(sa.select(ArchivedReport).options(defer(ArchivedReport.pdf))
                                   .order_by(ArchivedReport.year.desc())).scalars())


def archive_report(year: int, as_of: dt.date | None, created_by: str, approved_by: str, approved_on: dt.date,
                   note: str | None, today: dt.date | None = None) -> ArchivedReport:
    """Generate the year's report and keep it as the official version; a year has one."""
    from register.reports.pdf import render_pdf  # ReportLab is imported when a PDF is drawn, not at start-up

    if archived_for(year) is not None:
        raise ReportError(f"Der er allerede arkiveret en officiel rapport for {year}; den kan ikke erstattes.")
    report = build_report(year, as_of, today=today, version=OFFICIAL_VERSION)
    pdf = render_pdf(report)
    head = chain_head(db.session)
    entry = ArchivedReport(year=year, as_of=report.as_of, pdf=pdf, size=len(pdf), sha256=sha256(pdf),
                           filename=report.filename, created_by=created_by, approved_by=approved_by.strip(),
                           approved_on=approved_on, note=(note or "").strip() or None,
                           chain_head_id=head["id"], chain_head_hash=head["hash"])
    db.session.add(entry)
    db.session.flush()
    write_anchor(head, f"archived report {year}")
    return entry


def archive_anchors(session) -> list[dict]:
    """The chain heads recorded with the archived reports, as anchors for history.check_anchors."""
    rows = session.execute(sa.select(ArchivedReport.year, ArchivedReport.created_at, ArchivedReport.chain_head_id,
                                     ArchivedReport.chain_head_hash)
                           .where(ArchivedReport.chain_head_id.is_not(None))).all()
    return [{"id": row.chain_head_id, "hash": row.chain_head_hash, "at": row.created_at.isoformat(),
             "reason": f"archived report {row.year}"} for row in rows]


@dataclass
class ArchiveCheck:
    checked: int
    mismatches: list[tuple[int, int]]  # (id, year)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def verify_archive(session) -> ArchiveCheck:
    """Recompute every archived PDF's SHA-256, one report in memory at a time."""
    ids = session.execute(sa.select(ArchivedReport.id).order_by(ArchivedReport.year)).scalars().all()
    mismatches = []
    for report_id in ids:
        year, pdf, stored = session.execute(sa.select(ArchivedReport.year, ArchivedReport.pdf, ArchivedReport.sha256)
                                            .where(ArchivedReport.id == report_id)).one()
        if sha256(pdf) != stored:
            mismatches.append((report_id, year))
    return ArchiveCheck(len(ids), mismatches)
