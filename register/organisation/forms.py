"""Editing a unit, and the fields by which other records name units."""
from wtforms import BooleanField, EmailField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from register.core.forms import SelectField, SelectMultipleField, VersionedForm
from register.core.i18n import lazy_gettext as _l
from register.organisation.models import UnitKind
from register.organisation.services import unit_choices


class UnitField(SelectField):
    """The unit a record names: the active units, indented by hierarchy, and the record's own unit even if it
    has since been made inactive, so that saving the record keeps it instead of silently clearing it.

    The units are read only when the field is drawn or another unit is chosen: a form saved with its unit
    unchanged (most status saves) reads none, where every save made the next one read them again."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.kept = ""
        self.choices = lambda: unit_choices(keep=[self.kept])

    def keep(self, unit_id: int | None) -> None:
        """The unit the record names now (None for none, or for a new record)."""
        self.kept = str(unit_id) if unit_id else ""

    def pre_validate(self, form):
        if self.data == self.kept and not self.process_errors:
            return  # unchanged (or still none): valid whether or not the unit is still active
        super().pre_validate(form)


class UnitsField(SelectMultipleField):
    """The units a record names (participants, affected units): the active ones and the record's own, as
    UnitField."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.kept: list[str] = []
        self.choices = lambda: unit_choices(include_blank=False, keep=self.kept)

    def keep(self, unit_ids) -> None:
        self.kept = [str(unit_id) for unit_id in unit_ids]


class UnitForm(VersionedForm):
    name = StringField(_l("Navn"), validators=[DataRequired(message=_l("Enheden skal have et navn.")),
                                               Length(max=200)])
    kind = SelectField(_l("Type"), choices=UnitKind.choices)
    parent_id = UnitField(_l("Hører under"))
    leader_name = StringField(_l("Leder"), validators=[Optional(), Length(max=200)])
    contact_email = EmailField(_l("Kontakt-e-mail"),
                               validators=[Optional(), Email(message=_l("Ugyldig e-mailadresse.")), Length(max=254)])
    contact_phone = StringField(_l("Telefon"), validators=[Optional(), Length(max=40)])
    active = BooleanField(_l("Aktiv"), default=True)
