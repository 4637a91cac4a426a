"""Hostile files sent to the findings import and the catalogue upload: each gets a clear Danish message, a 4xx
answer and changes nothing, without a 500 and without the worker reading more than the import's bounds."""
import csv
import io
import re
import zipfile

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from register.catalogs.models import Catalog
from register.extensions import db
from register.gap import importer
from register.gap.models import Finding

from conftest import html
from gap_helpers import csv_bytes, upload, uploads_in, xlsx_bytes

HEADER = ["Id", "Titel", "Kritikalitet", "Omkostning"]


def findings(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count(Finding.id))).scalar()


def post_file(client, url: str, data: bytes, name: str):
    """A multipart upload encoded in memory: Werkzeug's test client spools a body over 500 KB to a temporary
    file that it never closes, which would warn in whichever later test collects it."""
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(data), filename=name)})
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def refused(client, assessment_id, data, name) -> str:
    """The upload is answered 422 with the message on the page; nothing kept for a later confirm."""
    response = post_file(client, f"/gap-analyse/vurderinger/{assessment_id}/import", data, name)
    assert response.status_code == 422, response.status_code
    page = html(response).replace("&#34;", '"').replace("&#39;", "'")
    assert 'name="token"' not in page
    return page


def rewrite_part(data: bytes, part: str, change) -> bytes:
    """The same XLSX package with one part's XML changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            target.writestr(item.filename, change(body) if item.filename == part else body)
    return out.getvalue()


BILLION_LAUGHS = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
                  + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">' for i in range(1, 10))
                  + "]>\n")


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_an_xml_entity_attack_is_refused_before_expansion(app, client, login, make_assessment, part):
    assessment_id = make_assessment()
    good = xlsx_bytes([HEADER, ["X-1", "Fund", "Høj", "Lav"]])

    def attack(body: bytes) -> bytes:
        text = body.decode()
        text = re.sub(r"^<\?xml[^>]*\?>\s*", "", text)
        text = text.replace("<v>X-1</v>", "<v>&lol9;</v>").replace(">X-1<", ">&lol9;<")
        return (BILLION_LAUGHS + text).encode()

    login("security")
    page = refused(client, assessment_id, rewrite_part(good, part, attack), "angreb.xlsx")
    assert "XML-konstruktioner (entiteter eller DTD)" in page
    assert findings(app) == 0 and uploads_in(app) == []


def test_an_external_entity_is_never_fetched_or_read(app, client, login, make_assessment, tmp_path):
    secret = tmp_path / "hemmelig.txt"
    secret.write_text("HEMMELIGT-INDHOLD")
    assessment_id = make_assessment()
    good = xlsx_bytes([HEADER, ["X-1", "Fund", "Høj", "Lav"]])

    def attack(body: bytes) -> bytes:
        text = re.sub(r"^<\?xml[^>]*\?>\s*", "", body.decode())
        dtd = f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        return (dtd + text.replace("<v>", "<v>&xxe;", 1)).encode()

    login("security")
    page = refused(client, assessment_id, rewrite_part(good, "xl/worksheets/sheet1.xml", attack), "xxe.xlsx")
    assert "HEMMELIGT-INDHOLD" not in page and "XML-konstruktioner" in page


def test_a_zip_bomb_is_refused_from_the_zip_directory_before_decompressing(app, client, login, make_assessment):
    assessment_id = make_assessment()
    good = xlsx_bytes([HEADER, ["X-1", "Fund", "Høj", "Lav"]])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, source.read(item.filename))
        target.writestr("xl/media/bombe.bin", b"\0" * (20 * 1024 * 1024))  # 20 MB of zeros pack into 20 KB
    bomb = out.getvalue()
    assert len(bomb) < 200_000
    login("security")
    page = refused(client, assessment_id, bomb, "bombe.xlsx")
    assert "zip-bombe" in page and findings(app) == 0


def test_the_total_unpacked_size_is_bounded(app, monkeypatch):
    monkeypatch.setattr(importer, "MAX_UNCOMPRESSED", 50_000)
    rows = [HEADER] + [[f"X-{i}", f"Fund nummer {i} med en lang titel", "Høj", "Lav"] for i in range(2000)]
    with pytest.raises(importer.ImportFileError, match="udpakket; importen læser højst"):
        importer.check_package(xlsx_bytes(rows))


def test_a_hundred_thousand_rows_are_refused_with_a_message(app, client, login, make_assessment):
    assessment_id = make_assessment()
    rows = [HEADER] + [[f"X-{i}", "Fund", "Høj", "Lav"] for i in range(100_000)]
    login("security")
    page = refused(client, assessment_id, csv_bytes(rows), "mange.csv")
    assert "har mere end 20.000 rækker. Del filen op" in page

    cells = "".join(f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>X-{n}</t></is></c><c r="B{n}" t="inlineStr">'
                    f'<is><t>Fund</t></is></c><c r="C{n}" t="inlineStr"><is><t>Høj</t></is></c></row>'
                    for n in range(2, 100_002))
    many = rewrite_part(xlsx_bytes([HEADER]), "xl/worksheets/sheet1.xml",
                        lambda body: body.replace(b"</row></sheetData>", b"</row>" + cells.encode() + b"</sheetData>"))
    page = refused(client, assessment_id, many, "mange.xlsx")
    assert "Arket „Sheet“ har mere end 20.000 rækker" in page
    assert findings(app) == 0


def test_more_columns_than_excel_allows_are_refused(app, client, login, make_assessment):
    assessment_id = make_assessment()
    workbook = Workbook()
    sheet = workbook.active
    for index, value in enumerate(HEADER, start=1):
        sheet.cell(row=1, column=index, value=value)
    sheet.cell(row=2, column=1, value="X-1")
    sheet.cell(row=2, column=16_385, value="ud over Excels sidste kolonne XFD")
    buffer = io.BytesIO()
    workbook.save(buffer)
    login("security")
    page = refused(client, assessment_id, buffer.getvalue(), "bred.xlsx")
    assert "har indhold i 16385 kolonner; importen læser højst 200 kolonner" in page

    wide = [HEADER + [f"K{i}" for i in range(20_000)], ["X-1", "Fund", "Høj", "Lav"]]
    page = refused(client, assessment_id, csv_bytes(wide), "bred.csv")
    assert "Række 1 i filen har indhold i 20004 kolonner" in page
    assert findings(app) == 0


def test_costs_beyond_what_a_number_can_hold_are_cell_errors(app, client, login, make_assessment):
    assessment_id = make_assessment()
    rows = [HEADER, ["X-1", "Uendelig", "Høj", "1e400"], ["X-2", "Stor", "Høj", "99999999999999999999"],
            ["X-3", "Negativ", "Høj", "-45.000 kr."], ["X-4", "God", "Høj", "45.000 kr."]]
    login("security")
    for data, name in ((csv_bytes(rows), "tal.csv"), (xlsx_bytes(rows), "tal.xlsx")):
        page = refused(client, assessment_id, data, name)
        assert "Filen har 3 fejl. Intet er gemt." in page
        assert "Beløbet „1e400“ er urimeligt stort eller småt." in page
        assert "Beløbet er over 2.000.000.000 kr." in page and "Omkostningen kan ikke være negativ." in page
    workbook_with_inf = rewrite_part(xlsx_bytes([HEADER, ["X-1", "Uendelig", "Høj", 7]]), "xl/worksheets/sheet1.xml",
                                     lambda body: body.replace(b"<v>7</v>", b"<v>1e400</v>"))
    page = refused(client, assessment_id, workbook_with_inf, "inf.xlsx")
    assert "Beløbet er ikke et endeligt tal." in page
    assert findings(app) == 0


def test_nul_and_control_characters_are_cell_errors_and_never_stored(app, client, login, make_assessment):
    assessment_id = make_assessment()
    rows = [HEADER, ["X-1", "Fund med\x00NUL", "Høj", "Lav"], ["X-2", "Klokke\x07 og ESC\x1b", "Høj", "Lav"],
            ["X-3\x00", "God titel", "Høj", "Lav"]]
    login("security")
    page = refused(client, assessment_id, csv_bytes(rows), "styretegn.csv")
    assert page.count("Cellen indeholder styretegn (fx NUL)") == 3
    assert "Fund med�NUL" in page  # shown beside its cell, the control character made visible
    assert findings(app) == 0


def test_a_csv_field_over_the_csv_modules_limit_is_refused(app, client, login, make_assessment):
    assessment_id = make_assessment()
    huge = "x" * (csv.field_size_limit() + 10)
    data = ("Id;Titel;Kritikalitet\nX-1;\"" + huge + "\";Høj\n").encode()
    login("security")
    page = refused(client, assessment_id, data, "felt.csv")
    assert "er længere end 131.072 tegn" in page and findings(app) == 0


@pytest.mark.parametrize("data, message", [
    (b"PK\x03\x04" + b"\0" * 100, "kan ikke læses som et Excel-regneark"),
    (b"", "kan ikke læses som et Excel-regneark"),
])
def test_broken_packages_are_refused(app, client, login, make_assessment, data, message):
    assessment_id = make_assessment()
    login("security")
    response = upload(client, assessment_id, data, "fund.xlsx")
    assert response.status_code == 422 and message in html(response)


# --- The catalogue upload ---------------------------------------------------------------------------

def upload_catalog(client, text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    return post_file(client, "/krav/kataloger/indlaes", data, "angreb.yaml")


def catalogs_count(app) -> int:
    with app.app_context():
        return db.session.execute(sa.select(sa.func.count(Catalog.id))).scalar()


ALIAS_BOMB = "\n".join(["code: bombe", "name: Bombe", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol"]']
                       + [f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]"
                          for i in range(8)] + ["requirements: *i"])


@pytest.mark.parametrize("text, message", [
    (ALIAS_BOMB, "YAML-aliaser"),
    ("code: dyb\nrequirements: " + "[" * 10_000 + "]" * 10_000, "indlejret for dybt (mere end 64 niveauer)"),
    ("code: nul\nname: a\x00b\n", "styretegn"),
    ("code: stor\nname: " + "x" * (10 * 1024 * 1024 + 1), "større end 10 MB"),
])
def test_hostile_catalogue_files_are_refused_with_a_message(app, client, login, text, message):
    login("admin")
    before = catalogs_count(app)
    response = upload_catalog(client, text)
    assert response.status_code == 422
    page = html(response)
    assert "Intet er indlæst" in page and message in page
    assert catalogs_count(app) == before
