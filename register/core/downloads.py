"""Files the browser saves: every download is named the same way."""
from urllib.parse import quote

from flask import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def content_disposition(filename: str) -> str:
    """An attachment header that carries any file name safely: RFC 6266's quoted ASCII name, and the name itself
    as UTF-8 for browsers that read it (an evidence file's own name may hold æ, ø, å)."""
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def attachment(data: bytes | str, filename: str, mimetype: str, headers: dict[str, str] | None = None) -> Response:
    """`data` as a download named `filename`, with any further headers."""
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": content_disposition(filename), **(headers or {})})
