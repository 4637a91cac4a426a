"""Choosing a report, and saving one to the archive."""
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from register.core.forms import LocalizedForm
from register.core.i18n import lazy_gettext as _l


class ReportQueryForm(LocalizedForm):
    """Year and optional as-of date, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    year = IntegerField(_l("År"), validators=[InputRequired(message=_l("Angiv et år."))])
    as_of = DateField(_l("Status pr. (valgfri)"), validators=[Optional()])
    registered_on = DateField(_l("Revisionsvisning: registret som det så ud den (valgfri)"), validators=[Optional()])


class ArchiveForm(LocalizedForm):
    year = IntegerField(_l("År"), validators=[InputRequired(message=_l("Angiv et år."))])
    as_of = DateField(_l("Status pr. (valgfri)"), validators=[Optional()])
    approved_by = StringField(_l("Godkendt af"), validators=[
        DataRequired(message=_l("Angiv hvem der har godkendt rapporten (person eller organ).")), Length(max=300)])
    approved_on = DateField(_l("Godkendt den"),
                            validators=[InputRequired(message=_l("Angiv datoen for godkendelsen."))])
    note = TextAreaField(_l("Bemærkning"), validators=[Optional(), Length(max=2000)])
