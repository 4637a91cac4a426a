"""One error handler for every HTTP error; a 500 rolls back the session first."""
from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import Conflict, HTTPException, InternalServerError

from register.core.i18n import lazy_gettext as _l
from register.extensions import db

MESSAGES = {
    400: (_l("Forkert forespørgsel"), _l("Forespørgslen kunne ikke forstås.")),
    403: (_l("Ingen adgang"), _l("Din rolle giver ikke adgang til denne handling. Intet er ændret.")),
    404: (_l("Siden findes ikke"), _l("Siden eller posten findes ikke (længere).")),
    405: (_l("Handlingen er ikke tilladt"), _l("Denne handling kan ikke udføres på denne adresse.")),
    409: (_l("Konflikt"),
          _l("Posten blev ændret af en anden i samme øjeblik, og din ændring er ikke gemt. Gå tilbage, genindlæs siden og gem igen.")),  # noqa: E501 (one message)
    413: (_l("Filen er for stor"), _l("Den sendte fil er større end det tilladte.")),
    500: (_l("Der skete en fejl"),
          _l("Der skete en uventet fejl. Intet er gemt. Prøv igen, eller kontakt en administrator.")),
}


def render_error(error: HTTPException):
    code = error.code or 500
    title, text = MESSAGES.get(code, (error.name, error.description))
    if isinstance(error, CSRFError):
        title = _l("Formularen er udløbet")
        text = _l("Sikkerhedsnøglen mangler eller er udløbet. Genindlæs siden og prøv igen.")
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify({"error": str(title), "message": str(text)}), code
    return render_template("errors/error.html", code=code, title=title, text=text), code


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def handle_http(error):
        return render_error(error)

    @app.errorhandler(StaleDataError)
    def handle_stale(_error):
        # Another save committed between our version check and our flush: refuse, as check_version would.
        db.session.rollback()
        return render_error(Conflict())

    @app.errorhandler(Exception)
    def handle_unexpected(error):
        db.session.rollback()
        if app.testing and not app.config.get("RENDER_UNEXPECTED_ERRORS"):
            raise error
        app.logger.exception("Unhandled error")
        return render_error(InternalServerError())
