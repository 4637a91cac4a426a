"""The årshjul page and its private iCalendar feed."""
import datetime as dt

from flask import Blueprint, Response, abort, render_template, url_for
from flask_login import current_user
from markupsafe import Markup, escape

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
    draw = _month_drawer()
    months = [(month, draw(month_items)) for month, month_items in wheel.months_of(year, items)]
    return render_template("wheel/index.html", year=year, months=months, today=today, unit_id=unit_id,
                           unit_choices=org_services.unit_choices(), count=len(items))


def _month_drawer():
    """A function drawing a month's items as their lines (<li>): each item's day, its kind's badge, its title
    linked to its page, the planned window, done or overdue, and where it belongs.

    A year holds hundreds of items, so what is the same for all of them (the kinds' badges, the month names,
    each linked page's address, to which an item adds its record's id) is prepared once, and a line is one
    string rather than a dozen template expressions: drawn in the template, the lines took a third of the page's
    time (like a Jinja macro per row, see `badge`). Every value is escaped where it is put in."""
    badges = {kind: badge(kind) for kind in wheel.ItemKind}
    months = {number: escape(name) for number, name in short_month_names().items()}
    links = {page: escape(url_for(page, **{argument: 0}).removesuffix("0") if argument else url_for(page))
             for page, argument in wheel.LINKED_PAGES.items()}
    done_text, late_text = escape(_("Gennemført")), escape(_("Overskredet"))
    done = f' <span class="badge badge-success">{done_text}</span>'
    late = f' <span class="badge badge-error">{late_text}</span>'

    def line(item: wheel.WheelItem) -> str:
        window = ""
        if item.window:  # a milestone's planned months
            planned = escape(_("planlagt %(window)s", window=item.window))
            window = f' <span class="muted">({planned})</span>'
        state = done if item.done else late if item.late else ""
        context = (f'<br><span class="muted">{escape(item.context)}</span>'
                   if item.context and item.context != item.title else "")
        return (f'<li class="wheel-item{" wheel-item--late" if item.late else ""}">'
                f'<span class="wheel-day">{item.day.day}. {months[item.day.month]}</span> '
                f'{badges[item.kind]} <a href="{links[item.endpoint]}{item.record_id or ""}">'
                f'{escape(item.title)}</a>{window}{state}{context}</li>')

    def draw(items: list[wheel.WheelItem]) -> Markup:
        return Markup("\n      ".join(line(item) for item in items))
    return draw


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
