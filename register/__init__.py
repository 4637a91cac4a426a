"""Register: the NIS2 and preparedness register of a Danish municipality."""
import os
from pathlib import Path

from flask import Flask

from register import config as config_module
from register.accounts.cli import users_cli
from register.accounts.models import User
from register.accounts.services import user_names
from register.accounts.views import bp as accounts_bp
from register.api.tokens import user_for_token
from register.api.views import build_blueprint, describe_unauthorized, tokens_bp
from register.catalogs.cli import catalogs_cli
from register.catalogs.views import bp as catalogs_bp
from register.controls.views import bp as controls_bp
from register.core import db as core_db, errors, history_display, hooks, i18n, security, templating, transactions
from register.core.cli import MigrationCommands, backup_command, history_cli, restore_command
from register.core.params import KeyConverter
from register.demo.cli import demo_cli
from register.extensions import babel, csrf, db, login_manager
from register.gap.views import bp as gap_bp
from register.home.views import bp as home_bp
from register.incidents.views import bp as incidents_bp
from register.organisation.services import root_unit_name, unit_names
from register.organisation.views import bp as organisation_bp
from register.preparedness import blueprints as preparedness_blueprints
from register.preparedness.cli import reminders_cli
from register.reports.cli import report_command
from register.reports.services import archive_anchors, verify_archive
from register.reports.views import bp as reports_bp
from register.requirements.views import bp as requirements_bp
from register.risks.views import bp as risks_bp
from register.suppliers.views import bp as suppliers_bp
from register.training.views import bp as training_bp

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = PACKAGE_DIR.parent / "templates"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application; reads like a table of contents."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("REGISTER_INSTANCE_PATH") or str(PACKAGE_DIR.parent / "instance"),
        instance_relative_config=True,
        template_folder=str(TEMPLATE_DIR),
    )
    configure(app, test_config)
    app.url_map.converters["int"] = KeyConverter  # before any route is added
    register_extensions(app)
    register_blueprints(app)
    register_cli(app)
    register_core_hooks(app)
    errors.register(app)
    i18n.register(app)
    security.register(app)
    templating.register(app)
    history_display.register(app)
    return app


def configure(app: Flask, test_config: dict | None) -> None:
    """Layer defaults, instance/config.py, environment and test overrides."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_object(config_module.Defaults)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + str(Path(app.instance_path) / "register.sqlite3")
    app.config["UPLOAD_FOLDER"] = str(Path(app.instance_path) / "uploads")
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("REGISTER")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.update(test_config)
    app.config["SQLALCHEMY_DATABASE_URI"] = config_module.database_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        config_module.create_private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config_module.instance_secret_key(app.instance_path)
    if not app.config.get("HISTORY_KEY"):
        app.config["HISTORY_KEY"] = config_module.instance_secret_key(app.instance_path, "history_key")


def register_extensions(app: Flask) -> None:
    """Bind the extensions to this app."""
    db.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone,
                   default_translation_directories=str(PACKAGE_DIR / "translations"))
    core_db.configure_engine_events(app)
    transactions.register(app)  # the first before_request: nothing may touch the database before it


def register_blueprints(app: Flask) -> None:
    """One blueprint per part of the register."""
    for bp in (home_bp, accounts_bp, organisation_bp, catalogs_bp, requirements_bp, controls_bp, gap_bp,
               *preparedness_blueprints(), incidents_bp, training_bp, reports_bp, risks_bp, suppliers_bp):
        app.register_blueprint(bp)
    app.register_blueprint(build_blueprint())
    app.register_blueprint(tokens_bp)


def register_cli(app: Flask) -> None:
    """Command-line groups: db (migrations), catalogs, users, demo, history, backup, reminders, report."""
    for group in (MigrationCommands(app), catalogs_cli, users_cli, demo_cli, history_cli, backup_command,
                  restore_command, reminders_cli, report_command):
        app.cli.add_command(group)


def register_core_hooks(app: Flask) -> None:
    """What core needs from the parts above it (core imports none of them)."""
    hooks.install(app, hooks.Hooks(
        user_for_token=user_for_token, describe_unauthorized=describe_unauthorized, unit_names=unit_names,
        user_names=user_names, municipality_name=root_unit_name, audited_models=(User,),
        archive_anchors=archive_anchors, verify_archive=verify_archive))
