"""Forms for campaigns, trainees, courses and management approvals."""
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from register.core.forms import SelectField, VersionedForm
from register.core.i18n import lazy_gettext as _l
from register.organisation.forms import UnitField
from register.training.models import ApprovalBody, ApprovalRule, CampaignKind, ManagementBody, ManagementScope

DATE_MESSAGE = _l("Angiv en dato, fx 2025-09-14.")


def date_field(label, message):
    return DateField(label, validators=[InputRequired(message=message)], invalid_value_message=DATE_MESSAGE)


class CampaignForm(VersionedForm):
    title = StringField(_l("Titel"), validators=[DataRequired(message=_l("Kampagnen skal have en titel.")),
                                                 Length(max=200)])
    kind = SelectField(_l("Type"), choices=CampaignKind.choices)
    held_on = date_field(_l("Dato"), _l("Angiv kampagnens dato."))
    description = TextAreaField(_l("Beskrivelse"), validators=[Optional(), Length(max=5000)])


class ParticipationForm(VersionedForm):
    unit_id = UnitField(_l("Enhed"), validators=[DataRequired(message=_l("Vælg en enhed."))])
    staff_targeted = IntegerField(_l("Medarbejdere i målgruppen"), validators=[
        InputRequired(message=_l("Angiv antal medarbejdere i målgruppen.")),
        NumberRange(min=0, max=100000, message=_l("Angiv et tal mellem 0 og 100.000."))])
    staff_completed = IntegerField(_l("Heraf gennemført"), validators=[
        InputRequired(message=_l("Angiv antal, der har gennemført.")),
        NumberRange(min=0, max=100000, message=_l("Angiv et tal mellem 0 og 100.000."))])

    def validate_staff_completed(self, field):
        if field.data is not None and self.staff_targeted.data is not None and field.data > self.staff_targeted.data:
            raise ValidationError(_l("Der kan ikke være flere gennemførte end målgruppen."))


class TraineeForm(VersionedForm):
    name = StringField(_l("Navn"), validators=[DataRequired(message=_l("Angiv personens navn.")), Length(max=200)])
    role_title = StringField(_l("Rolle"), validators=[Optional(), Length(max=200)])
    body = SelectField(_l("Ledelsesorgan"), choices=ManagementBody.choices)
    unit_id = UnitField(_l("Enhed"))
    active = BooleanField(_l("Aktiv"), default=True)


class TrainingRecordForm(VersionedForm):
    course = StringField(_l("Kursus"), validators=[DataRequired(message=_l("Angiv kurset.")), Length(max=200)])
    provider = StringField(_l("Udbyder"), validators=[Optional(), Length(max=200)])
    completed_on = date_field(_l("Gennemført"), _l("Angiv hvornår kurset blev gennemført."))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])


class ApprovalForm(VersionedForm):
    approved_on = date_field(_l("Dato"), _l("Angiv datoen for godkendelsen."))
    body = SelectField(_l("Godkendt af"), choices=ApprovalBody.choices)
    reference = StringField(_l("Reference (sag/punkt)"), validators=[
        DataRequired(message=_l("Angiv sagsnummer eller dagsordenspunkt.")), Length(max=200)])
    subject = TextAreaField(_l("Hvad blev godkendt"), validators=[
        DataRequired(message=_l("Beskriv hvad der blev godkendt.")), Length(max=5000)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])


class SettingsForm(VersionedForm):
    approval_rule = SelectField(_l("Hvem godkender cybersikkerhedsforanstaltningerne hvert år (NIS2 art. 20, stk. 1)"),
                                choices=ApprovalRule.choices)
    approval_note = TextAreaField(_l("Begrundelse"), validators=[Optional(), Length(max=4000)])
    management_scope = SelectField(_l("Hvis uddannelse tæller som ledelsens (NIS2 art. 20, stk. 2)"),
                                   choices=ManagementScope.choices)
    validity_months = IntegerField(_l("Uddannelse gælder i (måneder)"), validators=[
        InputRequired(message=_l("Angiv et antal måneder.")),
        NumberRange(min=1, max=120, message=_l("Mellem 1 og 120 måneder."))])
    validity_note = TextAreaField(_l("Begrundelse"), validators=[Optional(), Length(max=4000)])
