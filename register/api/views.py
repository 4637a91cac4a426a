"""The read API (/api/v1): JSON lists with filters and paging, items, CSV for Excel and Power BI, OpenAPI."""
import csv
import importlib
import io

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from register.api import openapi, tokens
from register.api.forms import TokenForm
from register.api.models import ApiToken
from register.api.resources import REGISTRY, REPORTS, FilterError, Report, Resource, csv_value
from register.core.db import utcnow
from register.core.downloads import CSV, attachment
from register.core.forms import ActionForm
from register.core.i18n import gettext as _
from register.core.permissions import Permission, public, requires
from register.core.transactions import writes_on_get
from register.extensions import db

# Parts that publish resources; each module calls register_resource() when imported.
# Every API view is marked writes_on_get: a request with a token records the token's last use (api/tokens.py).
RESOURCE_MODULES = ["register.organisation.api", "register.catalogs.api", "register.requirements.api",
                    "register.controls.api", "register.gap.api", "register.preparedness.api",
                    "register.incidents.api", "register.risks.api", "register.suppliers.api"]
MAX_PER_PAGE = 500


def _paging() -> tuple[int, int]:
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 50))
    except ValueError:
        raise FilterError("'page' og 'per_page' skal være heltal") from None
    if not 1 <= page <= 1_000_000 or not 1 <= per_page <= MAX_PER_PAGE:
        raise FilterError(f"'page' skal være mellem 1 og 1000000 og 'per_page' mellem 1 og {MAX_PER_PAGE}")
    return page, per_page


def _bad_request(exc: FilterError):
    return jsonify(error="Ugyldig forespørgsel", message=str(exc)), 400


def _list_view(resource: Resource):
    @writes_on_get
    @requires(Permission.READ)
    def view():
        try:
            values = resource.parse_filters(request.args)
            page, per_page = _paging()
        except FilterError as exc:
            return _bad_request(exc)
        rows, total = resource.page(values, page, per_page)
        args = {k: v for k, v in request.args.items() if k != "page"}
        links = {"self": url_for(request.endpoint, page=page, **args)}
        if page * per_page < total:
            links["next"] = url_for(request.endpoint, page=page + 1, **args)
        if page > 1:
            links["prev"] = url_for(request.endpoint, page=page - 1, **args)
        return jsonify(data=resource.json_rows(rows),
                       meta={"page": page, "per_page": per_page, "total": total}, links=links)

    return view


def _item_view(resource: Resource):
    @writes_on_get
    @requires(Permission.READ)
    def view(item_id: int):
        row = resource.one(item_id)
        if row is None:
            abort(404)
        return jsonify(data=resource.to_json(row))

    return view


def _csv_response(name: str, headers: list[str], rows) -> Response:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel needs the BOM to read UTF-8 (æ, ø, å)
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")  # Danish Excel expects semicolons
    writer.writerow(headers)
    writer.writerows(rows)
    return attachment(buffer.getvalue(), f"{name}.csv", CSV)


def _csv_view(resource: Resource):
    @writes_on_get
    @requires(Permission.READ)
    def view():
        try:
            values = resource.parse_filters(request.args)
        except FilterError as exc:
            return _bad_request(exc)
        return _csv_response(resource.name, [f.header for f in resource.fields],
                             (resource.to_row(row) for row in resource.all(values)))

    return view


def _report_view(report: Report):
    @writes_on_get
    @requires(Permission.READ)
    def view():
        try:
            data = report.build(report.parse(request.args))
        except FilterError as exc:
            return _bad_request(exc)
        return jsonify(data=data)

    return view


def _report_csv_view(report: Report):
    @writes_on_get
    @requires(Permission.READ)
    def view():
        try:
            rows = report.rows(report.parse(request.args))
        except FilterError as exc:
            return _bad_request(exc)
        return _csv_response(report.name, report.headers, ([csv_value(v) for v in row] for row in rows))

    return view


def build_blueprint() -> Blueprint:
    """One list, item and CSV route per registered resource, plus the index and the OpenAPI document."""
    for module in RESOURCE_MODULES:
        importlib.import_module(module)
    bp = Blueprint("api", __name__, url_prefix="/api/v1")

    @bp.route("/")
    @writes_on_get
    @requires(Permission.READ)
    def index():
        return jsonify(resources={name: url_for(f"api.{name}_list", _external=False) for name in REGISTRY},
                       reports={name: url_for(f"api.{name}_report") for name in REPORTS},
                       openapi=url_for("api.openapi_document"))

    @bp.route("/openapi.json")
    @writes_on_get
    @public
    def openapi_document():
        return jsonify(openapi.document(REGISTRY.values(), server=url_for("api.index"), reports=REPORTS.values()))

    for name, resource in REGISTRY.items():
        bp.add_url_rule(f"/{name}", endpoint=f"{name}_list", view_func=_list_view(resource))
        bp.add_url_rule(f"/{name}.csv", endpoint=f"{name}_csv", view_func=_csv_view(resource))
        bp.add_url_rule(f"/{name}/<int:item_id>", endpoint=f"{name}_item", view_func=_item_view(resource))
    for name, report in REPORTS.items():
        bp.add_url_rule(f"/{name}", endpoint=f"{name}_report", view_func=_report_view(report))
        bp.add_url_rule(f"/{name}.csv", endpoint=f"{name}_report_csv", view_func=_report_csv_view(report))
    return bp


def describe_unauthorized() -> tuple:
    return jsonify(error=_("Ikke logget ind"),
                   message=_("Angiv en gyldig API-nøgle i headeren Authorization: Bearer <nøgle>.")), 401


tokens_bp = Blueprint("tokens", __name__, url_prefix="/konto/api-noegler")


@tokens_bp.route("/", methods=["GET", "POST"])
@requires(Permission.READ)
def tokens_page():
    """The user's own tokens: create one (shown once), see when each was used, revoke."""
    form = TokenForm()
    created = None
    if form.validate_on_submit():
        token, created = tokens.create_token(current_user, form.name.data, form.days.data)
        db.session.commit()
        flash(_("API-nøglen er oprettet. Kopiér den nu: den vises ikke igen."), "success")
    status = 422 if form.errors else 200
    return render_template("api/tokens.html", form=form, created=created, tokens=tokens.tokens_of(current_user),
                           docs_url=url_for("api.openapi_document"), now=utcnow()), status


@tokens_bp.route("/<int:token_id>/tilbagekald", methods=["POST"])
@requires(Permission.READ)
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if ActionForm().validate_on_submit():
        tokens.revoke(token)
        db.session.commit()
        flash(_("API-nøglen er tilbagekaldt."), "success")
    return redirect(url_for("tokens.tokens_page"))
