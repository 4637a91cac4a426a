"""Configuration: defaults here, then instance/config.py, then the environment, then test overrides."""
import os
import secrets
from pathlib import Path

from sqlalchemy.engine import make_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class Defaults:
    MUNICIPALITY_NAME = "Kommune"
    ACCESSIBILITY_CONTACT = None  # e-mail for reporting accessibility problems, shown on the statement
    SQLALCHEMY_ENGINE_OPTIONS = {}
    DATABASE_PING_AFTER_IDLE_SECONDS = 10  # a pooled connection unused this long is checked before use
    BABEL_DEFAULT_LOCALE = "da"
    BABEL_DEFAULT_TIMEZONE = "Europe/Copenhagen"
    LANGUAGES = ("da", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600  # absolute: a login lasts at most a working day
    SESSION_IDLE_MINUTES = 60              # and ends after an hour without activity
    # The cookie is written when the session changes (login, language, the idle clock once a minute), not on
    # every response: the lifetime above is checked on the server, so the cookie's expiry need not slide.
    SESSION_REFRESH_EACH_REQUEST = False
    LOGIN_MAX_FAILURES = 5                 # per account and address (or per recognised browser) within the window
    LOGIN_MAX_FAILURES_PER_IP = 30         # per client address within the window
    LOGIN_MAX_FAILURES_PER_ACCOUNT = 20    # per account from all addresses (not from the owner's known browsers)
    LOGIN_THROTTLE_MINUTES = 15
    # Behind the municipality's web server: {"x_for": 1, "x_proto": 1}, the numbers being how many proxies
    # set X-Forwarded-For/-Proto in front of the app; the login throttle counts per client address from it.
    PROXY_FIX = None
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead, so a long form is not lost to a timeout
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024
    PAGE_SIZE = 50
    PASSWORD_HASH_METHOD = "scrypt"  # werkzeug's default; tests use a cheap one for speed
    # Single sign-on with OpenID Connect (see README, "Single sign-on"); off unless instance/config.py says so.
    OIDC_ENABLED = False
    OIDC_METADATA_URL = None      # https://login.microsoftonline.com/<tenant>/v2.0/.well-known/openid-configuration
    OIDC_CLIENT_ID = None
    OIDC_CLIENT_SECRET = None
    OIDC_SCOPE = "openid email profile"
    OIDC_REDIRECT_URI = None      # full URL of /konto/oidc/callback; None = derived from the request
    OIDC_ROLE_GROUPS: dict[str, str] = {}  # group id or name in the `groups` claim -> role
    OIDC_DEFAULT_ROLE = None      # role for people in no mapped group; None refuses them
    OIDC_BUTTON_LABEL = None      # None = "Log ind med kommunens login"
    OIDC_ONLY = False             # hide password login; then only administrators may still use a password
    OIDC_TIMEOUT = 10             # seconds per request to the identity provider
    # The change history's chain is an HMAC with this key, kept outside the database (instance/history_key,
    # generated on first start) so that whoever can write the database cannot re-hash a forged entry.
    HISTORY_KEY = None
    # The risk register's scale: one label per level, lowest first (the municipality's own; 5 x 5 by default).
    RISK_LIKELIHOOD_LABELS = ("Meget usandsynlig", "Usandsynlig", "Mulig", "Sandsynlig", "Meget sandsynlig")
    RISK_CONSEQUENCE_LABELS = ("Ubetydelig", "Mindre", "Moderat", "Alvorlig", "Katastrofal")
    RISK_REVIEW_MONTHS = 12       # a risk's next review, when a review does not name one
    SUPPLIER_REVIEW_MONTHS = 12   # a supplier's next review (tilsyn), likewise


def database_url(url: str) -> str:
    """Accept the usual postgres:// forms and select psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def instance_secret_key(instance_path: str, name: str = "secret_key") -> str:
    """Read one of the instance's keys, generating it on first start (mode 0600, never committed)."""
    path = Path(instance_path) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker made it meanwhile
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def create_private_sqlite_file(url: str) -> None:
    """Create a new SQLite database file readable by its owner only (SQLite gives its journal and WAL files
    the same mode); left alone if it exists."""
    database = make_url(url).database
    if (not database or database == ":memory:" or database.startswith("file:") or Path(database).exists()
            or not Path(database).parent.is_dir()):
        return
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:  # another worker made it meanwhile
        pass
