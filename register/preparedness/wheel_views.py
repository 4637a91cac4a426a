"""The årshjul page and its private iCalendar feed."""
import datetime as dt

from flask import Blueprint, Response, abort, render_template, url_for
from flask_login import current_user

from register.core.forms import ActionForm
from register.core.i18n import gettext as _, lazy_gettext as _l, short_month_names
from register.core.params import int_arg
from register.core.permissions import Permission, public, requires
from register.core.templating import NavItem, badge, municipality_name
from register.core.transactions import writes_on_get
from register.extensions import db
from register.organisation import services as org_services
from register.preparedness import services, wheel

bp = Blueprint("wheel", __name__, url_prefix="/aarshjul")
bp.nav = [NavItem(42, _l("Årshjul"), "wheel.index",
                  _l("Årets milepæle, øvelser, gennemgange og frister – også som kalender i Outlook."))]


@bp.route("/")
@requires(Permission.READ)
def index():
    today = services.today()
    year = int_arg("aar", 0, 1_000_000) or today.year
    if not 2000 <= year <= 2100:
        abort(404)
    unit_id = int_arg("enhed")

    items = wheel.items_between(dt.date(year, 1, 1), dt.date(year, 12, 31), today, unit_id)
    # A year has hundreds of items: each kind's badge, the month names and the linked pages' addresses are
    # prepared once for the page, not once per item.
    return render_template("wheel/index.html", year=year, months=wheel.months_of(year, items), today=today,
                           unit_id=unit_id, unit_choices=org_services.unit_choices(), count=len(items),
                           kind_badges={kind: badge(kind) for kind in wheel.ItemKind},
                           short_month_names=short_month_names(), links=_link_prefixes())


def _link_prefixes() -> dict[str, str]:
    """Each linked page's address, to which an item adds its record's id (a record page's address ends in it)."""
    return {page: url_for(page, **{argument: 0}).removesuffix("0") if argument else url_for(page)
            for page, argument in wheel.LINKED_PAGES.items()}


def _subscription_page(token: str | None = None, status: int = 200):
    active = wheel.active_token(current_user.id)
    feed_url = url_for(".feed", token=token, _external=True) if token else None
    return render_template("wheel/subscription.html", active=active, feed_url=feed_url, form=ActionForm()), status


@bp.route("/abonnement")
@requires(Permission.READ)
def subscription():
    return _subscription_page()


@bp.route("/abonnement/nyt", methods=["POST"])
@requires(Permission.READ)
def subscription_create():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    token = wheel.create_token(current_user.id)
    db.session.commit()
    # The link is shown once, in this response; only its hash is stored.
    return _subscription_page(token)


@bp.route("/abonnement/tilbagekald", methods=["POST"])
@requires(Permission.READ)
def subscription_revoke():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    wheel.revoke_tokens(current_user.id)
    db.session.commit()
    return _subscription_page()


@bp.route("/feed/<token>.ics")
@public  # calendar clients cannot log in; the private token is checked instead
@writes_on_get  # the token's last use
def feed(token: str):
    owner = wheel.token_owner(token)
    if owner is None or not owner.can(Permission.READ):
        abort(404)
    today = services.today()
    name = _("Årshjul for beredskab – %(name)s", name=municipality_name())
    body = wheel.build_calendar(wheel.feed_items(today), name,
                                lambda item: url_for(item.endpoint, _external=True, **item.url_args))
    db.session.commit()  # last_used_at
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = "inline; filename=aarshjul.ics"
    response.headers["Cache-Control"] = "private, max-age=900"
    return response
