"""Form pieces shared by every part of the register."""
import wtforms
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import HiddenField
from wtforms.validators import InputRequired

from register.core.i18n import language, lazy_gettext as _l


# WTForms' own messages in Danish: WTForms ships no Danish catalogue, so a wrong choice, a date or number it
# cannot read or a text too long was refused in English on a Danish page.
DANISH_WTFORMS_MESSAGES = {
    "Invalid field name '%s'.": "Ugyldigt feltnavn '%s'.",
    "Field must be equal to %(other_name)s.": "Feltet skal være lig med %(other_name)s.",
    "Field must be at least %(min)d character long.": "Skriv mindst %(min)d tegn.",
    "Field must be at least %(min)d characters long.": "Skriv mindst %(min)d tegn.",
    "Field cannot be longer than %(max)d character.": "Højst %(max)d tegn.",
    "Field cannot be longer than %(max)d characters.": "Højst %(max)d tegn.",
    "Field must be exactly %(max)d character long.": "Skriv præcis %(max)d tegn.",
    "Field must be exactly %(max)d characters long.": "Skriv præcis %(max)d tegn.",
    "Field must be between %(min)d and %(max)d characters long.": "Skriv mellem %(min)d og %(max)d tegn.",
    "Number must be at least %(min)s.": "Tallet skal være mindst %(min)s.",
    "Number must be at most %(max)s.": "Tallet må højst være %(max)s.",
    "Number must be between %(min)s and %(max)s.": "Tallet skal være mellem %(min)s og %(max)s.",
    "Date must be at least %(min)s.": "Datoen må tidligst være %(min)s.",
    "Date must be at most %(max)s.": "Datoen må senest være %(max)s.",
    "Date must be between %(min)s and %(max)s.": "Datoen skal ligge mellem %(min)s og %(max)s.",
    "This field is required.": "Feltet skal udfyldes.",
    "Invalid input.": "Ugyldigt input.",
    "Invalid email address.": "Ugyldig e-mailadresse.",
    "Invalid IP address.": "Ugyldig IP-adresse.",
    "Invalid Mac address.": "Ugyldig MAC-adresse.",
    "Invalid URL.": "Ugyldig webadresse.",
    "Invalid UUID.": "Ugyldigt UUID.",
    "Invalid value, must be one of: %(values)s.": "Ugyldig værdi; skal være en af: %(values)s.",
    "Invalid value, can't be any of: %(values)s.": "Ugyldig værdi; må ikke være nogen af: %(values)s.",
    "This field cannot be edited.": "Feltet kan ikke ændres.",
    "This field is disabled and cannot have a value.": "Feltet er slået fra og kan ikke have en værdi.",
    "Invalid CSRF Token.": "Ugyldigt sikkerhedstegn (CSRF). Genindlæs siden.",
    "CSRF token missing.": "Sikkerhedstegnet (CSRF) mangler. Genindlæs siden.",
    "CSRF failed.": "Sikkerhedstjekket (CSRF) mislykkedes. Genindlæs siden.",
    "CSRF token expired.": "Sikkerhedstegnet (CSRF) er udløbet. Genindlæs siden.",
    "Invalid Choice: could not coerce.": "Ugyldigt valg.",
    "Choices cannot be None.": "Der er ingen valgmuligheder.",
    "Not a valid choice.": "Ikke et gyldigt valg.",
    "Invalid choice(s): one or more data inputs could not be coerced.": "Et eller flere valg er ugyldige.",
    "'%(value)s' is not a valid choice for this field.": "„%(value)s“ er ikke et gyldigt valg her.",
    "'%(value)s' are not valid choices for this field.": "„%(value)s“ er ikke gyldige valg her.",
    "Not a valid datetime value.": "Ugyldigt tidspunkt. Skriv fx 2026-03-31 14:00.",
    "Not a valid date value.": "Ugyldig dato. Skriv datoen som fx 2026-03-31.",
    "Not a valid time value.": "Ugyldigt klokkeslæt. Skriv fx 14:00.",
    "Not a valid week value.": "Ugyldig uge.",
    "Not a valid integer value.": "Skriv et helt tal.",
    "Not a valid decimal value.": "Skriv et tal.",
    "Not a valid float value.": "Skriv et tal.",
}


class WTFormsMessages:
    """WTForms' messages in the request's language (Danish from the table above, else as written). Also spares
    a validated form Flask-WTF's reading of WTForms' catalogue from disk."""

    def gettext(self, string: str) -> str:
        return DANISH_WTFORMS_MESSAGES.get(string, string) if language() == "da" else string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


WTFORMS_MESSAGES = WTFormsMessages()

__all__ = ["ActionForm", "LocalizedForm", "LocalizedSubform", "SelectField", "SelectMultipleField", "VersionedForm"]


class _Select(wtforms.widgets.Select):
    """WTForms' select, each plain option written directly. WTForms builds every option's attributes through
    `html_params` (sorted and formatted one by one): that was most of a form's time where a select offers every
    unit. The markup is the same, attributes in WTForms' order."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        return Markup(f'<option {selected}value="{escape(choice.value)}">{label}</option>')


class SelectField(wtforms.SelectField):
    widget = _Select()


class SelectMultipleField(wtforms.SelectMultipleField):
    widget = _Select(multiple=True)


class _LocalizedMeta:
    def get_translations(self, form):
        return WTFORMS_MESSAGES


class LocalizedForm(FlaskForm):
    """Every form of the register: FlaskForm (CSRF, file uploads) with WTForms' messages in the user's
    language."""

    Meta = _LocalizedMeta


class LocalizedSubform(wtforms.Form):
    """A form repeated inside another (a row of a table form), with WTForms' messages in the user's language."""

    Meta = _LocalizedMeta


class ActionForm(LocalizedForm):
    """A submit-only form: puts CSRF protection on a POST button (logout, delete, confirm)."""


class VersionedForm(LocalizedForm):
    """A form for a record with optimistic locking: carries the version the user started from."""

    version = HiddenField(validators=[InputRequired(message=_l("Versionsnummer mangler. Genindlæs siden."))])

    def populate_obj(self, obj):
        """Copy the fields, never the version: SQLAlchemy must increment it, or stale saves would pass."""
        for name, field in self._fields.items():
            if name not in ("version", "csrf_token"):
                field.populate_obj(obj, name)
