"""Form pieces shared by every part of the register."""
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import InputRequired

from register.core.i18n import lazy_gettext as _l


class ActionForm(FlaskForm):
    """A submit-only form: puts CSRF protection on a POST button (logout, delete, confirm)."""


class VersionedForm(FlaskForm):
    """A form for a record with optimistic locking: carries the version the user started from."""

    version = HiddenField(validators=[InputRequired(message=_l("Versionsnummer mangler. Genindlæs siden."))])

    def populate_obj(self, obj):
        """Copy the fields, never the version: SQLAlchemy must increment it, or stale saves would pass."""
        for name, field in self._fields.items():
            if name not in ("version", "csrf_token"):
                field.populate_obj(obj, name)
