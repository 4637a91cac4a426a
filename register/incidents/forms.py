"""Registering an incident, its reports to the authorities, linked requirements and lessons learned."""
from wtforms import DateField, DateTimeLocalField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from register.catalogs.models import Requirement
from register.controls.models import Control
from register.core.dates import NonexistentLocalTime, local_to_utc, utc_to_local
from register.core.db import utcnow
from register.core.forms import LocalizedForm, SelectField, VersionedForm
from register.core.i18n import lazy_gettext as _l
from register.core.picker import RecordField
from register.incidents.models import IncidentStatus, LessonStatus, Significance
from register.organisation.forms import UnitField, UnitsField

INPUT_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


class LocalDateTimeField(DateTimeLocalField):
    """Date and time typed in Danish local time; `data` is an aware UTC datetime."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", [INPUT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])
        kwargs.setdefault("invalid_value_message", _l("Angiv dato og klokkeslæt, fx 2025-09-14 08:30."))
        super().__init__(*args, **kwargs)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return utc_to_local(self.data).strftime(INPUT_FORMAT) if self.data else ""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is None:
            return
        try:
            self.data = local_to_utc(self.data)
        except NonexistentLocalTime as exc:
            self.data = None
            raise ValueError(_l("Det klokkeslæt findes ikke i dansk tid: urene stilles en time frem den nat.")) from exc


def not_in_future(_form, field):
    if field.data is not None and field.data > utcnow():
        raise ValidationError(_l("Tidspunktet ligger i fremtiden."))


class IncidentForm(VersionedForm):
    title = StringField(_l("Titel"), validators=[DataRequired(message=_l("Hændelsen skal have en titel.")),
                                                 Length(max=200)])
    detected_at = LocalDateTimeField(_l("Opdaget"), validators=[
        InputRequired(message=_l("Angiv hvornår hændelsen blev opdaget.")), not_in_future])
    aware_at = LocalDateTimeField(_l("Kommunen fik kendskab"), validators=[
        InputRequired(message=_l("Angiv hvornår kommunen fik kendskab til hændelsen.")), not_in_future])
    systems_affected = TextAreaField(_l("Berørte systemer"), validators=[Optional(), Length(max=5000)])
    unit_ids = UnitsField(_l("Berørte enheder"))
    description = TextAreaField(_l("Beskrivelse"), validators=[
        DataRequired(message=_l("Beskriv hændelsen.")), Length(max=20000)])
    significance = SelectField(_l("Væsentlig hændelse (art. 23, stk. 3)?"), choices=Significance.choices)
    significance_reason = TextAreaField(_l("Begrundelse for vurderingen"), validators=[Length(max=5000)])
    status = SelectField(_l("Håndteringsstatus"), choices=IncidentStatus.choices)
    handled_at = LocalDateTimeField(_l("Håndteret"), validators=[Optional(), not_in_future])

    def validate_aware_at(self, field):
        if field.data and self.detected_at.data and field.data < self.detected_at.data:
            raise ValidationError(_l("Kommunen kan ikke have fået kendskab til hændelsen, før den blev opdaget."))

    def validate_handled_at(self, field):
        if field.data and self.aware_at.data and field.data < self.aware_at.data:
            raise ValidationError(_l("Hændelsen kan ikke være håndteret, før kommunen fik kendskab til den."))

    def validate_significance_reason(self, field):
        """The assessment must be justified either way: supervisors ask why an incident was (not) reported."""
        if self.significance.data != Significance.PENDING.value and not (field.data or "").strip():
            raise ValidationError(_l("Begrund vurderingen af, om hændelsen er væsentlig."))


class ReportForm(VersionedForm):
    submitted_at = LocalDateTimeField(_l("Indsendt"), validators=[
        InputRequired(message=_l("Angiv hvornår indberetningen blev sendt.")), not_in_future])
    receipt_ref = StringField(_l("Kvitteringsnummer fra virk.dk"), validators=[
        DataRequired(message=_l("Angiv kvitteringsnummeret fra virk.dk.")), Length(max=120)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])


class RequirementLinkForm(LocalizedForm):
    requirement_id = RecordField(_l("Krav"), model=Requirement, validators=[DataRequired(message=_l("Vælg et krav."))])
    note = StringField(_l("Hvordan hændelsen vedrører kravet"), validators=[Optional(), Length(max=2000)])


class ControlLinkForm(LocalizedForm):
    control_id = RecordField(_l("Tiltag"), model=Control, validators=[DataRequired(message=_l("Vælg et tiltag."))])
    note = StringField(_l("Hvordan hændelsen vedrører tiltaget"), validators=[Optional(), Length(max=2000)])


class LessonForm(VersionedForm):
    description = TextAreaField(_l("Erfaring"), validators=[
        DataRequired(message=_l("Beskriv erfaringen.")), Length(max=5000)])
    owner_unit_id = UnitField(_l("Ansvarlig enhed"),
                              validators=[DataRequired(message=_l("Vælg den ansvarlige enhed."))])
    due_on = DateField(_l("Frist"), validators=[InputRequired(message=_l("Angiv en frist."))],
                       invalid_value_message=_l("Angiv en dato, fx 2025-12-31."))
    status = SelectField(_l("Status"), choices=LessonStatus.choices)
