"""Hostile or unusual input is answered, never with a server error (500)."""
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from register.extensions import db

from conftest import PASSWORD, html
from requirement_helpers import assess, req_id

CRLF_TARGETS = ["/\r\nSet-Cookie: planted=1", "/krav/\nLocation: https://evil.example", "/\x00x", "/\\evil.example",
                "/%0d%0aX: y"]


@pytest.mark.parametrize("target", CRLF_TARGETS)
def test_control_characters_in_next_after_login_go_home(client, users, target):
    response = client.post("/konto/login", data={"email": "board@test.example", "password": PASSWORD,
                                                 "next": target})
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        location = response.headers["Location"]
        assert "\r" not in location and "\n" not in location and "evil" not in location
        assert "planted" not in response.headers.get("Set-Cookie", "")
    again = client.get("/konto/login", query_string={"next": target})  # logged in: sent on at once
    assert again.status_code in (302, 400)


@pytest.mark.parametrize("target", CRLF_TARGETS)
def test_control_characters_in_next_of_the_language_switch_go_home(client, login, target):
    login("board")
    response = client.post("/konto/sprog", data={"language": "en", "next": target})
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert "\n" not in response.headers["Location"] and "evil" not in response.headers["Location"]


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "9999-12-30"])
def test_far_dates_in_as_of_are_answered(client, login, catalogs, as_of):
    login("board")
    assert client.get("/krav/overblik", query_string={"as_of": as_of}).status_code < 500


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01"])
def test_far_dates_in_the_apis_as_of_are_answered(api, catalogs, as_of):
    response = api("/api/v1/compliance", query_string={"as_of": as_of})
    assert response.status_code in (200, 400)


def _cells(data: bytes) -> list:
    sheet = load_workbook(io.BytesIO(data)).active
    return [cell.value for row in sheet.iter_rows() for cell in row]


def test_a_control_character_in_a_note_does_not_break_the_requirement_export(app, client, login, catalogs):
    assess(app, "nis2:21.2.d", notes="Aftalt med\x07 leverandør\x1b; se mail\x0c")
    login("board")
    response = client.get("/krav/eksport.xlsx")
    assert response.status_code == 200
    assert "Aftalt med leverandør; se mail" in _cells(response.data)


def test_a_control_character_in_a_title_does_not_break_the_action_plan_export(app, client, login, make_finding):
    make_finding(title="Backup\x08 ikke testet\x1f", description="Se\x02 rapport")
    login("board")
    response = client.get("/gap-analyse/handlingsplan.xlsx")
    assert response.status_code == 200
    assert "Backup ikke testet" in _cells(response.data)


def test_a_deeply_nested_catalogue_file_is_refused_with_a_message(client, login):
    login("admin")
    nested = "code: x\nrequirements: " + "[" * 5000 + "]" * 5000 + "\n"
    response = client.post("/krav/kataloger/indlaes", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(nested.encode()), "dyb.yaml")})
    assert response.status_code == 422
    assert "Intet er indlæst" in html(response) and "for dybt" in html(response)


def test_danish_letters_are_kept_in_evidence_file_names(app, client, login, catalogs, tmp_path):
    from register.requirements.models import RequirementEvidence

    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    rid = req_id(app, "nis2:21.2.d")
    login("security")
    response = client.post(f"/krav/{rid}/dokumentation/fil", content_type="multipart/form-data",
                           data={"title": "", "file": (io.BytesIO(b"%PDF-1.4\n"), "Øvelse på Ærø – æblegård.pdf")})
    assert response.status_code == 302
    with app.app_context():
        evidence = db.session.execute(sa.select(RequirementEvidence)).scalar_one()
        assert evidence.filename == "Øvelse_på_Ærø_æblegård.pdf"
    download = client.get(f"/krav/dokumentation/{evidence.id}")
    assert "filename*=UTF-8''%C3%98velse_p%C3%A5_%C3%86r%C3%B8_%C3%A6bleg%C3%A5rd.pdf" in \
        download.headers["Content-Disposition"]
