"""Flask extensions, created here and bound to the app in the factory."""
from flask import Flask
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from register.config import MIGRATIONS_DIR
from register.core.db import Base

db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def init_migrate(app: Flask) -> None:
    """Bind Flask-Migrate to the app and give it the real `flask db` group. Flask-Migrate loads Alembic (about
    0.2 s and 10 MiB), which only the db commands and the tests' migrations need, never a request."""
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)

