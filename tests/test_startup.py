"""What a web worker loads to serve the login page: libraries only some commands and pages need stay out, so a
restart is quick and every worker stays small."""
import gc
import json
import os
import subprocess
import sys

from register.config import MIGRATIONS_DIR

# Imported where they are used: migrations (flask db), PDF reports, spreadsheets, calendars, single sign-on,
# password strength, e-mail validation, catalogue and demo files, backups (flask backup, history verify) and
# the reminder mails (flask reminders).
NOT_AT_START = ["alembic", "flask_migrate", "mako", "reportlab", "openpyxl", "icalendar", "authlib", "zxcvbn",
                "email_validator", "yaml", "xml", "tarfile", "smtplib"]

_SERVE_LOGIN_PAGE = """
import json, sys
from register import create_app
app = create_app({"TESTING": True, "SECRET_KEY": "test"})
assert app.test_client().get("/konto/login").status_code == 200
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in sys.argv[1:])))
"""


def test_serving_the_login_page_loads_no_library_only_some_commands_and_pages_need(database_url, tmp_path):
    env = {**os.environ, "REGISTER_INSTANCE_PATH": str(tmp_path), "REGISTER_SQLALCHEMY_DATABASE_URI": database_url}
    result = subprocess.run([sys.executable, "-c", _SERVE_LOGIN_PAGE, *NOT_AT_START], env=env, capture_output=True,
                            text=True, check=True, timeout=120)
    assert json.loads(result.stdout) == []


def test_the_db_commands_bind_flask_migrate_when_run(app):
    assert "migrate" not in app.extensions
    result = app.test_cli_runner().invoke(args=["db", "heads"])
    assert result.exit_code == 0, result.output
    assert app.extensions["migrate"].directory == str(MIGRATIONS_DIR)


def test_the_garbage_collector_runs_again_once_the_app_is_built(app):
    # Collection is paused while the package is imported and the app built (register/__init__.py), not after.
    assert gc.isenabled()
