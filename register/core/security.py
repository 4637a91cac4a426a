"""Login required by default, and security headers on every response."""
import time

from flask import Flask, abort, current_app, flash, has_request_context, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

from register.core.hooks import hooks
from register.core.i18n import gettext as _
from register.core.permissions import PUBLIC, access_of
from register.extensions import login_manager

# Scripts and styles are served from our own origin only; htmx needs no inline script.
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; font-src 'self'; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'")
SECURITY_HEADERS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)


class SessionInterface(SecureCookieSessionInterface):
    """Session cookies are Secure whenever the request came over HTTPS, or always if configured."""

    def get_cookie_secure(self, app):
        return bool(app.config["SESSION_COOKIE_SECURE"] or (has_request_context() and request.is_secure))


def expire_session() -> bool:
    """End a login that has been idle too long or has lasted past its lifetime; True if it ended."""
    now = int(time.time())
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    lifetime = int(current_app.permanent_session_lifetime.total_seconds())
    if now - session.get("seen_at", 0) > idle or now - session.get("login_at", 0) > lifetime:
        logout_user()
        session.clear()
        return True
    # A minute's precision is plenty, and the cookie is not re-signed per request.
    if now - session.get("seen_at", 0) >= 60:
        session["seen_at"] = now
    return False


def register(app: Flask) -> None:
    app.session_interface = SessionInterface()
    if app.config.get("PROXY_FIX"):
        app.wsgi_app = ProxyFix(app.wsgi_app, **app.config["PROXY_FIX"])
    login_manager.login_view = "accounts.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"

    @login_manager.request_loader
    def user_from_api_token(req):
        """API clients authenticate per request with `Authorization: Bearer <token>`; no session is made."""
        if not req.path.startswith("/api/"):
            return None
        auth = req.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return None
        return hooks().user_for_token(auth[7:].strip())

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            body, status = hooks().describe_unauthorized()
            body.headers["WWW-Authenticate"] = "Bearer"
            return body, status
        return redirect(url_for(login_manager.login_view, next=request.full_path.rstrip("?")))

    @app.before_request
    def refuse_nul_bytes():
        """No database stores NUL in text (PostgreSQL refuses it): answer 400 before anything is touched."""
        values = [*request.args.values(), *request.form.values(), request.path]
        if any("\x00" in value for value in values):
            abort(400, description=_("Forespørgslen indeholder ugyldige tegn."))

    @app.before_request
    def require_login():
        if request.endpoint is None or request.endpoint == "static":
            return None
        view = app.view_functions.get(request.endpoint)
        if current_user.is_authenticated and "login_at" in session and expire_session():
            flash(_("Du er blevet logget ud, fordi du har været inaktiv. Log ind igen."), "info")
        if access_of(view) == PUBLIC or current_user.is_authenticated:
            return None
        return login_manager.unauthorized()

    @app.after_request
    def security_headers(response):
        # Each only where the view has not set its own. Werkzeug's setdefault raises and catches an exception
        # per missing header; one pass over the few headers a response has costs less.
        present = {name.lower() for name in response.headers.keys()}
        for name, value in SECURITY_HEADERS:
            if name.lower() not in present:
                response.headers.add(name, value)
        # is_anonymous rather than is_authenticated: the latter reads the user's `active`, which a commit in
        # the view has expired, so every save loaded the user a second time just for this header.
        if request.endpoint != "static" and "cache-control" not in present and not current_user.is_anonymous:
            response.headers.add("Cache-Control", "no-store")
        return response
