"""Editing a control and linking it to requirements."""
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from register.controls.models import ControlStatus
from register.core.forms import LocalizedForm, SelectField, VersionedForm
from register.core.i18n import lazy_gettext as _l
from register.organisation.forms import UnitField


class ControlForm(VersionedForm):
    title = StringField(_l("Titel"), validators=[DataRequired(message=_l("Tiltaget skal have en titel.")),
                                                 Length(max=300)])
    description = TextAreaField(_l("Beskrivelse"), validators=[Optional(), Length(max=20000)])
    owner_unit_id = UnitField(_l("Ansvarlig enhed"))
    status = SelectField(_l("Status"), choices=ControlStatus.choices)
    due_date = DateField(_l("Frist"), validators=[Optional()], render_kw={"type": "date"})

    def values(self) -> dict:
        return {
            "title": self.title.data.strip(),
            "description": (self.description.data or "").strip() or None,
            "owner_unit_id": int(self.owner_unit_id.data) if self.owner_unit_id.data else None,
            "status": ControlStatus(self.status.data),
            "due_date": self.due_date.data,
        }


class LinkRequirementForm(LocalizedForm):
    requirement = StringField(_l("Krav"), validators=[DataRequired(message=_l("Angiv et krav.")),
                                                      Length(max=130)])
    note = StringField(_l("Bemærkning"), validators=[Optional(), Length(max=500)])
