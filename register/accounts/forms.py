"""Login and language forms."""
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from register.core.forms import LocalizedForm, SelectField
from register.core.i18n import lazy_gettext as _l


class LoginForm(LocalizedForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(message=_l("Skriv din e-mailadresse.")),
                                                  Length(max=254)])
    password = PasswordField(_l("Adgangskode"), validators=[DataRequired(message=_l("Skriv din adgangskode.")),
                                                             Length(max=1000)])
    next = HiddenField()


class LanguageForm(LocalizedForm):
    language = SelectField(_l("Sprog"), choices=[SelectChoice("da", "Dansk"), SelectChoice("en", "English")])
    next = HiddenField()


class PasswordResetForm(LocalizedForm):
    """An administrator gives a user a new password (the user's sessions end with it)."""

    password = PasswordField(_l("Ny adgangskode"), validators=[DataRequired(message=_l("Skriv den nye adgangskode.")),
                                                                Length(max=1000)])
    confirm = PasswordField(_l("Gentag adgangskoden"), validators=[
        DataRequired(message=_l("Skriv adgangskoden igen.")),
        EqualTo("password", message=_l("De to adgangskoder er ikke ens."))])
