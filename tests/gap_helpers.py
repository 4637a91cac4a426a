"""Helpers for the gap-analysis tests: control ids, import files in XLSX and CSV, uploading and confirming them."""
import csv
import io
import re
from pathlib import Path

import sqlalchemy as sa
from openpyxl import Workbook

from register.catalogs.models import Catalog, Requirement
from register.extensions import db


def cis_id(ref: str) -> int:
    """The id of a CIS control (call inside an app context)."""
    return db.session.execute(sa.select(Requirement.id).join(Catalog).where(
        Catalog.code == "cis-v8", Requirement.ref == ref)).scalar_one()


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


def token_of(page: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)


def confirm(client, assessment_id, page):
    return client.post(f"/gap-analyse/vurderinger/{assessment_id}/import/bekraeft", data={"token": token_of(page)})
