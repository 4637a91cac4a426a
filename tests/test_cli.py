"""Command-line interface: users, catalogues, demo data."""
import sqlalchemy as sa

from register.accounts.models import User
from register.catalogs.models import Catalog
from register.extensions import db
from register.organisation.models import Unit


def test_users_create_reads_the_password_from_stdin(app):
    result = app.test_cli_runner().invoke(args=["users", "create", "--email", "Chef@Fjordby.example", "--role",
                                                "admin", "--password-stdin"], input="a-very-long-secret\n")
    assert result.exit_code == 0, result.output
    assert "chef@fjordby.example (admin)" in result.output
    with app.app_context():
        user = db.session.execute(sa.select(User)).scalar_one()
        assert user.check_password("a-very-long-secret")


def test_users_create_refuses_bad_input_with_a_message(app):
    runner = app.test_cli_runner()
    bad_role = runner.invoke(args=["users", "create", "--email", "a@b.example", "--role", "boss", "--password-stdin"],
                             input="a-very-long-secret\n")
    assert bad_role.exit_code == 1 and "Ukendt rolle: boss" in bad_role.output
    short = runner.invoke(args=["users", "create", "--email", "a@b.example", "--role", "board", "--password-stdin"],
                          input="short\n")
    assert short.exit_code == 1 and "mindst 10 tegn" in short.output
    bad_mail = runner.invoke(args=["users", "create", "--email", "not-an-email", "--role", "board",
                                   "--password-stdin"], input="a-very-long-secret\n")
    assert bad_mail.exit_code == 1 and "Ugyldig e-mailadresse" in bad_mail.output
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(User.id))).scalar() == 0


def test_users_create_refuses_a_duplicate(app):
    runner = app.test_cli_runner()
    args = ["users", "create", "--email", "a@b.example", "--role", "board", "--password-stdin"]
    assert runner.invoke(args=args, input="a-very-long-secret\n").exit_code == 0
    again = runner.invoke(args=args, input="a-very-long-secret\n")
    assert again.exit_code == 1 and "findes allerede" in again.output


def test_catalogs_load_and_list(app):
    runner = app.test_cli_runner()
    loaded = runner.invoke(args=["catalogs", "load"])
    assert loaded.exit_code == 0 and "nis2 2022/2555: 27 new" in loaded.output
    listed = runner.invoke(args=["catalogs", "list"])
    assert listed.output.splitlines() == ["nis2\t2022/2555\t27", "cis-v8\t8.0\t18", "beredskab\t2022\t22"]


def test_catalogs_load_refuses_a_file_with_a_stray_key_naming_file_line_and_key(app, tmp_path):
    stray = tmp_path / "stray.yaml"
    stray.write_text("format: register-catalog/1\ncode: st\nversion: 1\ntitle: St\nrequirements:\n"
                     "  - ref: A\n    title: {da: Sikker anskaffelse, udvikling og vedligeholdelse}\n",
                     encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["catalogs", "load", str(stray)])
    assert result.exit_code != 0
    assert "stray.yaml: linje 7: ukendt nøgle 'udvikling og vedligeholdelse'" in result.output
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(Catalog.id))).scalar() == 0


def test_catalogs_load_of_a_bad_file_fails_and_stores_nothing(app, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text("format: register-catalog/1\ncode: ok\nversion: 1\ntitle: OK\n"
                    "requirements:\n  - {ref: A, title: a}\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: register-catalog/1\ncode: bad\nversion: 1\ntitle: Bad\nrequirements:\n  - {ref: A}\n")
    result = app.test_cli_runner().invoke(args=["catalogs", "load", str(good), str(bad)])
    assert result.exit_code == 1
    assert "bad.yaml: linje 6: feltet 'title' mangler - intet er indlæst." in result.output
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["catalogs", "list"]).output == ""


def test_demo_loads_once_and_prints_logins(app):
    runner = app.test_cli_runner()
    assert "Demo data loaded." in runner.invoke(args=["demo"]).output
    assert "already loaded" in runner.invoke(args=["demo"]).output
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(User.id))).scalar() == 4
        assert db.session.execute(sa.select(sa.func.count(Unit.id))).scalar() == 19
        roles = {u.role.value for u in db.session.execute(sa.select(User)).scalars()}
    assert roles == {"admin", "security", "preparedness", "board"}
    logins = runner.invoke(args=["demo", "--logins"]).output
    assert "admin@nordsoe.example" in logins and "demo-register-2026" in logins


def test_demo_refuses_a_database_with_real_data(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "create", "--email", "real@kommune.example", "--role", "admin",
                        "--password-stdin"], input="a-very-long-secret\n")
    refused = runner.invoke(args=["demo"])
    assert refused.exit_code == 1 and "non-demo data" in refused.output
    skipped = runner.invoke(args=["demo", "--if-empty"])
    assert skipped.exit_code == 0 and "not loaded" in skipped.output
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(User.id))).scalar() == 1


def test_demo_users_can_log_in(app, client):
    app.test_cli_runner().invoke(args=["demo"])
    response = client.post("/konto/login", data={"email": "beredskab@nordsoe.example",
                                                  "password": "demo-register-2026"})
    assert response.status_code == 302
    assert "Nordsø Kommune" in client.get("/").get_data(as_text=True)


def test_demo_gives_the_workspace_real_figures(app, catalogs):
    """The demo municipality has assessed its requirements and has controls, so the overview is not empty."""
    from register.controls.models import Control
    from register.requirements.compliance import compliance_overview
    from register.requirements.models import RequirementAssessment

    app.test_cli_runner().invoke(args=["demo"])
    with app.app_context():
        assert db.session.execute(sa.select(sa.func.count(RequirementAssessment.id))).scalar() == 36
        assert db.session.execute(sa.select(sa.func.count(Control.id))).scalar() == 8
        overview = compliance_overview()
    # 10 set as implemented, plus 21(2)(g) and 21(2)(j) rolled up from their implemented controls.
    assert (overview.total.implemented, overview.total.not_applicable) == (12, 1)


def test_catalogs_load_leaves_the_query_planner_statistics_of_the_loaded_data(app):
    """Without statistics SQLite sorted every requirement to show the list's first page."""
    assert app.test_cli_runner().invoke(args=["catalogs", "load"]).exit_code == 0
    with app.app_context():
        requirements = db.session.execute(sa.text("SELECT count(*) FROM requirement")).scalar_one()
        if db.engine.dialect.name == "sqlite":
            stat = db.session.execute(sa.text("SELECT stat FROM sqlite_stat1 WHERE idx = 'ix_requirement_list_order'"))
            counted = int(stat.scalar_one().split()[0])
        else:
            counted = db.session.execute(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'requirement'"))
            counted = int(counted.scalar_one())
    assert requirements > 50 and counted == requirements


def test_users_set_password_and_deactivate_end_the_sessions_and_are_recorded(app, users):
    from register.accounts.models import User
    from register.core.history import history_of
    from register.extensions import db

    from conftest import PASSWORD

    browser = app.test_client()
    assert browser.post("/konto/login", data={"email": "board@test.example", "password": PASSWORD}).status_code == 302
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["users", "set-password", "--email", "board@test.example", "--password-stdin"],
                         input="password1234\n")
    assert weak.exit_code == 1 and "for let at gætte" in weak.output
    assert browser.get("/").status_code == 200
    done = runner.invoke(args=["users", "set-password", "--email", "board@test.example", "--password-stdin"],
                         input="blyant tårn kaffe 7\n")
    assert done.exit_code == 0, done.output
    assert browser.get("/").status_code == 302
    assert runner.invoke(args=["users", "deactivate", "--email", "board@test.example"]).exit_code == 0
    assert "board@test.example\tboard\tinactive" in runner.invoke(args=["users", "list"]).output
    unknown = runner.invoke(args=["users", "deactivate", "--email", "nobody@test.example"])
    assert unknown.exit_code == 1 and "No account" in unknown.output
    with app.app_context():
        changes = [(e.actor, sorted(e.changes)) for e in history_of(db.session, User, users["board"])]
    assert ("cli", ["active"]) in changes and ("cli", ["password_hash"]) in changes
