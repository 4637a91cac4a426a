"""Login, logout and language choice."""
import time
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from register.accounts import throttle
from register.accounts.forms import LanguageForm, LoginForm
from register.accounts.models import User
from register.accounts.services import authenticate
from register.core.forms import ActionForm
from register.core.permissions import Permission, public, requires
from register.extensions import db, login_manager

bp = Blueprint("accounts", __name__, url_prefix="/konto")


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
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
        wait = throttle.retry_after(email, ip)
        if wait:
            error, status = _("For mange mislykkede forsøg. Prøv igen om %(n)d minutter.", n=wait), 429
        else:
            user = authenticate(email, form.password.data)
            throttle.record(email, ip, success=user is not None)
            db.session.commit()
            if user:
                start_session(user)
                return redirect(safe_next(form.next.data))
            error, status = _("Forkert e-mail eller adgangskode."), 401
    return render_template("accounts/login.html", form=form, error=error), status


def start_session(user: User) -> None:
    """A fresh session for a fresh login (no fixation), with the clocks for expiry."""
    session.clear()
    login_user(user)
    session.permanent = True
    session["login_at"] = session["seen_at"] = int(time.time())


@bp.route("/logout", methods=["POST"])
@requires(Permission.READ)
def logout():
    if ActionForm().validate_on_submit():
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
