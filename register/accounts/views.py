"""Login, logout and language choice."""
import time
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from register.accounts import oidc, throttle
from register.accounts import services
from register.accounts.forms import LanguageForm, LoginForm, PasswordResetForm
from register.accounts.models import User
from register.accounts.services import authenticate, end_sessions, user_of_request
from register.core.concurrency import commit_or_refuse
from register.core.forms import ActionForm
from register.core.history import acting_as, history_page
from register.core.i18n import gettext as _, lazy_gettext as _l
from register.core.integrity import check_integrity
from register.core.permissions import Permission, Role, public, requires
from register.core.templating import NavItem
from register.core.transactions import writes_on_get
from register.extensions import db, login_manager

bp = Blueprint("accounts", __name__, url_prefix="/konto")
bp.nav = [NavItem(95, _l("Brugere"), "accounts.users", _l("Brugere og roller: deaktivér, ny adgangskode."),
                  Permission.ADMINISTER)]


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The session's user, unless the session was ended on the server (logout elsewhere, a new password,
    deactivation): then the session is emptied and the request is anonymous."""
    user = user_of_request(int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or session.get("generation") != user.session_generation:
        session.clear()
        return None
    return user


def safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login (no open redirect). A control character (CR/LF
    would end the Location header) or a backslash (browsers read "/\\" as "//") sends the user home."""
    if (target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc
            and not any(ord(c) < 32 or c in "\x7f\\" for c in target)):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    error, status = None, 200
    if form.validate_on_submit():
        email, ip = form.email.data.strip().lower(), request.remote_addr or "-"
        device = throttle.device_of(email)
        attempt_id, wait = throttle.begin(email, ip, device)
        if wait:
            error, status = _("For mange mislykkede forsøg. Prøv igen om %(n)d minutter.", n=wait), 429
            return login_page(form, error, status)
        user = authenticate(email, form.password.data)
        if user and password_login_refused(user):
            # The same answer when only the role is wrong, so the form does not confirm a guessed password.
            db.session.rollback()
            user = None
        if user:
            throttle.succeeded(attempt_id)
        db.session.commit()
        if user:
            start_session(user)
            response = redirect(safe_next(form.next.data))
            throttle.set_device_cookie(response, email, device)
            return response
        error, status = _("Forkert e-mail eller adgangskode."), 401
    return login_page(form, error, status)


def start_session(user: User) -> None:
    """A fresh session for a fresh login (no fixation), with the clocks for expiry."""
    session.clear()
    login_user(user)
    session["generation"] = user.session_generation
    session.permanent = True
    session["login_at"] = session["seen_at"] = int(time.time())


def password_login_refused(user: User) -> bool:
    """With OIDC_ONLY, passwords remain only as the administrators' way in when single sign-on is down."""
    config = current_app.config
    return bool(config["OIDC_ENABLED"] and config["OIDC_ONLY"]) and user.role != Role.ADMIN


def login_page(form: LoginForm, error: str | None, status: int):
    """The login page: the single sign-on button when enabled, and the password form unless hidden."""
    config = current_app.config
    sso_only = bool(config["OIDC_ENABLED"] and config["OIDC_ONLY"])
    show_password = not sso_only or "lokal" in request.args or request.method == "POST"
    return render_template("accounts/login.html", form=form, error=error, sso=oidc.enabled(), sso_only=sso_only,
                           sso_label=config["OIDC_BUTTON_LABEL"] or _("Log ind med kommunens login"),
                           show_password=show_password), status


@bp.route("/oidc/login")
@public
def oidc_login():
    """Send the browser to the identity provider; it comes back to oidc_callback."""
    if not oidc.enabled():
        abort(404)
    next_url = safe_next(request.args.get("next"))
    if current_user.is_authenticated:
        return redirect(next_url)
    session["oidc_next"] = next_url
    redirect_uri = current_app.config["OIDC_REDIRECT_URI"] or url_for("accounts.oidc_callback", _external=True)
    try:
        return oidc.start(redirect_uri)
    except oidc.SignInFailed as exc:
        return login_page(LoginForm(next=next_url), str(exc), exc.status)


@bp.route("/oidc/callback")
@public
@writes_on_get  # creates or updates the account
def oidc_callback():
    """The identity provider's answer: verify it, find or create the user, log in."""
    if not oidc.enabled():
        abort(404)
    next_url = safe_next(session.get("oidc_next"))
    try:
        claims = oidc.verified_claims()
        with acting_as("sso"):
            user = oidc.sign_in(claims)
            db.session.commit()
    except oidc.SignInFailed as exc:
        db.session.rollback()
        return login_page(LoginForm(next=next_url), str(exc), exc.status)
    start_session(user)
    return redirect(next_url)


@bp.route("/logout", methods=["POST"])
@requires(Permission.READ)
def logout():
    if ActionForm().validate_on_submit():
        end_sessions(current_user.id)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("Du er logget ud."), "success")
    return redirect(url_for("accounts.login"))


@bp.route("/sprog", methods=["POST"])
@public
def set_language():
    form = LanguageForm()
    if form.validate_on_submit():
        session["language"] = form.language.data
        if current_user.is_authenticated:
            current_user.language = form.language.data
            db.session.commit()
    return redirect(safe_next(form.next.data))


@bp.route("/brugere")
@requires(Permission.ADMINISTER)
def users():
    return render_template("accounts/users.html", users=services.all_users())


def _user_page(user: User, password_form: PasswordResetForm | None = None, status: int = 200):
    return render_template("accounts/user.html", user=user, action=ActionForm(),
                           password_form=password_form or PasswordResetForm(formdata=None),
                           history=history_page(User, user.id)), status


@bp.route("/brugere/<int:user_id>")
@requires(Permission.ADMINISTER)
def user_detail(user_id: int):
    return _user_page(db.session.get(User, user_id) or abort(404))


@bp.route("/brugere/<int:user_id>/aktiv", methods=["POST"])
@requires(Permission.ADMINISTER)
def user_active(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    saved = commit_or_refuse(lambda: services.set_active(user, active, current_user), services.AccountError)
    if not saved.done:
        return redirect(url_for(".user_detail", user_id=user_id))
    flash(_("Kontoen er aktiveret.") if active else _("Kontoen er deaktiveret, og dens sessioner er afsluttet."),
          "success")
    return redirect(url_for(".user_detail", user_id=user_id))


@bp.route("/brugere/<int:user_id>/adgangskode", methods=["POST"])
@requires(Permission.ADMINISTER)
def user_password(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = PasswordResetForm()
    if form.validate_on_submit():
        saved = commit_or_refuse(
            lambda: services.reset_password(user, form.password.data),
            services.AccountError, form, "password")
        if saved.done:
            flash(_("Adgangskoden er skiftet, og brugerens sessioner er afsluttet. Giv den nye adgangskode "
                    "videre ad en sikker vej."), "success")
            return redirect(url_for(".user_detail", user_id=user_id))
    return _user_page(user, form, 422)


@bp.route("/historikkens-tilstand")
@requires(Permission.ADMINISTER)
def history_state():
    """The change history's chain, its anchors, the accounts against their history (the checks of `history
    verify`), for administrators."""
    return render_template("accounts/history_state.html", report=check_integrity(db.session))
