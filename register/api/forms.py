"""Creating an API token."""
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from register.api.tokens import MAX_DAYS
from register.core.forms import LocalizedForm
from register.core.i18n import lazy_gettext as _l


class TokenForm(LocalizedForm):
    name = StringField(_l("Navn"), validators=[DataRequired(message=_l("Giv nøglen et navn, fx „Power BI“.")),
                                               Length(max=100)])
    days = IntegerField(_l("Gyldig i antal dage"), default=90, validators=[
        InputRequired(message=_l("Angiv et antal dage.")),
        NumberRange(min=1, max=MAX_DAYS, message=_l("Vælg mellem 1 og %(max)d dage.", max=MAX_DAYS))])
