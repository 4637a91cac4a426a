"""Requests that only read run without a transaction; one that writes must say so."""
import pytest
import sqlalchemy as sa

from conftest import PASSWORD
from register.core.permissions import public
from register.core.transactions import WriteInReadOnlyRequest, writes_on_get
from register.extensions import db
from register.organisation.models import Unit, UnitKind


def _add_unit(name: str) -> str:
    db.session.add(Unit(name=name, kind=UnitKind.TEAM))
    db.session.commit()
    return "ok"


def _units(app) -> list[str]:
    with app.app_context():
        return list(db.session.execute(sa.select(Unit.name)).scalars())


def test_a_get_that_writes_without_saying_so_fails_and_changes_nothing(app):
    app.add_url_rule("/skriver", "writes", public(lambda: _add_unit("Skjult skrivning")))
    with pytest.raises(WriteInReadOnlyRequest, match="GET writes"):
        app.test_client().get("/skriver")
    assert _units(app) == []


def test_a_get_marked_writes_on_get_writes_in_a_transaction(app):
    app.add_url_rule("/skriver", "writes", writes_on_get(public(lambda: _add_unit("Tilladt skrivning"))))
    assert app.test_client().get("/skriver").data == b"ok"
    assert _units(app) == ["Tilladt skrivning"]


def test_a_post_writes_as_before(app):
    app.add_url_rule("/skriver", "writes", public(lambda: _add_unit("Post")), methods=["POST"])
    assert app.test_client().post("/skriver").data == b"ok"
    assert _units(app) == ["Post"]


def test_code_around_a_get_in_the_same_context_may_write_afterwards(app):
    app.add_url_rule("/laeser", "reads", public(lambda: str(len(db.session.execute(sa.select(Unit)).all()))))
    with app.app_context():
        assert app.test_client().get("/laeser").data == b"0"
        _add_unit("Bagefter")
    assert _units(app) == ["Bagefter"]


def test_postgresql_keeps_prepared_statements_across_read_only_requests(app, users):
    """Each ROLLBACK made psycopg drop its prepared statements, so every page's statements were planned
    anew on every request; without a transaction there is no ROLLBACK, and a page's statements are
    prepared from their fifth use on."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("prepared statements and transactions on a database server")
    client = app.test_client()
    client.post("/konto/login", data={"email": "board@test.example", "password": PASSWORD})
    for _ in range(6):  # one client, one request at a time: the pool hands out the same connection
        assert client.get("/tilgaengelighed").status_code == 200
    with app.app_context():
        prepared = db.session.execute(sa.text("SELECT statement FROM pg_prepared_statements")).scalars().all()
        in_transaction = db.session.connection().connection.driver_connection.info.transaction_status
    assert any("user_account" in statement for statement in prepared)
    assert in_transaction.name == "INTRANS"  # this read, made outside a request, is in a transaction
