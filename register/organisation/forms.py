"""Editing a unit."""
from wtforms import BooleanField, EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from register.core.forms import SelectField, VersionedForm
from register.core.i18n import lazy_gettext as _l
from register.organisation.models import UnitKind


class UnitForm(VersionedForm):
    name = StringField(_l("Navn"), validators=[DataRequired(message=_l("Enheden skal have et navn.")),
                                               Length(max=200)])
    kind = SelectField(_l("Type"), choices=UnitKind.choices)
    parent_id = SelectField(_l("Hører under"), choices=[], validate_choice=True)
    leader_name = StringField(_l("Leder"), validators=[Optional(), Length(max=200)])
    contact_email = EmailField(_l("Kontakt-e-mail"), validators=[Optional(), Email(message=_l("Ugyldig e-mailadresse.")),
                                                                  Length(max=254)])
    contact_phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=40)])
    active = BooleanField(_l("Aktiv"), default=True)
