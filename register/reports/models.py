"""The archive: a generated report saved as a year's official version, kept unchanged."""
import datetime as dt

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, mapped_column

from register.core.db import UTCDateTime, utcnow
from register.core.history import Tracked
from register.extensions import db


class ArchiveImmutable(RuntimeError):
    """An archived report was about to be changed or deleted; it is the board's record and never changes."""


class ArchivedReport(Tracked, db.Model):
    """The official report of a year: the PDF exactly as approved, with its SHA-256."""

    __tablename__ = "report_archive"
    __history_redact__ = frozenset({"pdf"})  # the bytes stay in this table; the history keeps the hash

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(sa.Integer, nullable=False, unique=True)
    as_of: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    pdf: Mapped[bytes] = mapped_column(sa.LargeBinary, nullable=False)
    size: Mapped[int] = mapped_column(sa.Integer, nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    filename: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    created_by: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    approved_by: Mapped[str] = mapped_column(sa.String(300), nullable=False)  # a person or a body
    approved_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    note: Mapped[str | None] = mapped_column(sa.Text)
    # The change history's head when the report was archived: what it was built from (the register read by the
    # records' own dates, with the history up to this entry), and an anchor `history verify` checks the chain against.
    chain_head_id: Mapped[int | None] = mapped_column(sa.BigInteger().with_variant(sa.Integer, "sqlite"))
    chain_head_hash: Mapped[str | None] = mapped_column(sa.String(64))

    def __repr__(self) -> str:
        return f"<ArchivedReport {self.year}>"


@event.listens_for(ArchivedReport, "before_update")
def _refuse_update(_mapper, _connection, target):
    raise ArchiveImmutable(f"Den arkiverede rapport for {target.year} kan ikke ændres.")


@event.listens_for(ArchivedReport, "before_delete")
def _refuse_delete(_mapper, _connection, target):
    raise ArchiveImmutable(f"Den arkiverede rapport for {target.year} kan ikke slettes.")
