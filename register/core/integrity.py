"""Whether the register's history holds: the keyed chain, its anchors outside the database, the accounts.

Used by `flask history verify` and the administrators' page on the history's state.
"""
import json
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from register.core.history import (ChainReport, chain_head, check_anchors, check_current_rows, read_anchors,
                                   verify_chain)
from register.core.hooks import hooks


@dataclass
class IntegrityReport:
    chain: ChainReport
    head: dict
    anchors_checked: int
    anchor_problems: list[str] = field(default_factory=list)
    row_problems: list[str] = field(default_factory=list)
    archive_checked: int = 0
    archive_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain.ok and not (self.anchor_problems or self.row_problems or self.archive_problems)


def backup_anchor(archive: Path) -> dict:
    """The chain head recorded in a backup's manifest (read without unpacking the rest)."""
    import tarfile  # only `flask history verify --backup` reads one, never a request

    try:
        with tarfile.open(archive, "r:gz") as tar:
            manifest = json.load(tar.extractfile("manifest.json"))
    except (tarfile.TarError, OSError, EOFError, KeyError, ValueError, AttributeError) as exc:
        raise ValueError(f"{archive}: not a readable backup ({exc})") from exc
    head = manifest.get("chain_head")
    if not head:
        raise ValueError(f"{archive}: the backup records no chain head (made by an older version)")
    return {**head, "at": manifest.get("created_at"), "reason": f"backup {archive.name}"}


def check_integrity(session: Session, extra_anchors: list[dict] = ()) -> IntegrityReport:
    """Check everything; read-only."""
    domain = hooks()
    anchors = [*read_anchors(), *domain.archive_anchors(session), *extra_anchors]
    archive = domain.verify_archive(session)
    return IntegrityReport(
        chain=verify_chain(session), head=chain_head(session), anchors_checked=len(anchors),
        anchor_problems=check_anchors(session, anchors),
        row_problems=[problem for model in domain.audited_models for problem in check_current_rows(session, model)],
        archive_checked=archive.checked,
        archive_problems=[f"Archived report {year} (id {report_id}): the PDF does not match its stored SHA-256"
                          for report_id, year in archive.mismatches],
    )
