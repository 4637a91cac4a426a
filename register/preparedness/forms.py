"""Forms of the preparedness register."""
from wtforms import BooleanField, DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from register.core.forms import LocalizedForm, SelectField, SelectMultipleField, VersionedForm
from register.core.i18n import lazy_gettext as _l
from register.organisation.forms import UnitField, UnitsField
from register.preparedness import rules
from register.preparedness.models import (BodyKind, ExerciseLevel, ExerciseType, ImprovementStatus, LegalBasis,
                                          MilestoneStatus, PlanStatus, SubPlanKind, TargetKind)

DATE_MESSAGE = _l("Skriv en dato som ÅÅÅÅ-MM-DD.")


def optional_date(label):
    return DateField(label, validators=[Optional()])


class PlanForm(VersionedForm):
    title = StringField(_l("Titel"), validators=[DataRequired(message=_l("Planen skal have en titel.")),
                                                 Length(max=300)])
    legal_basis = SelectField(_l("Lovgrundlag"), choices=LegalBasis.choices)
    legal_basis_note = TextAreaField(_l("Bemærkning til lovgrundlaget"), validators=[Optional()])
    council_term_start = SelectField(_l("Valgperiode"), choices=[])
    status = SelectField(_l("Status"), choices=PlanStatus.choices)
    adopted_on = optional_date(_l("Vedtaget af kommunalbestyrelsen"))
    brs_consulted_on = optional_date(_l("Sendt til udtalelse hos Beredskabsstyrelsen"))
    submitted_to_brs_on = optional_date(_l("Indsendt til Beredskabsstyrelsen"))
    sst_advice_on = optional_date(_l("Rådgivning fra Sundhedsstyrelsen indhentet"))
    in_force_from = optional_date(_l("Gældende fra"))
    follows_plan_id = SelectField(_l("Følger planen"), choices=[])
    owner_unit_id = UnitField(_l("Ansvarlig enhed"))
    facilitator = StringField(_l("Facilitator"), validators=[Optional(), Length(max=200)])
    note = TextAreaField(_l("Note"), validators=[Optional()])


class MilestoneBatchForm(LocalizedForm):
    lines = TextAreaField(_l("Milepæle, én pr. linje"),
                          validators=[DataRequired(message=_l("Skriv mindst én milepæl."))])


class MilestoneForm(VersionedForm):
    window = StringField(_l("Planlagt tidsrum"), validators=[DataRequired(message=_l("Angiv et tidsrum."))])
    title = StringField(_l("Milepæl"), validators=[DataRequired(message=_l("Milepælen skal have en tekst.")),
                                                   Length(max=500)])
    responsible = SelectField(_l("Ansvarlig"), choices=[])
    status = SelectField(_l("Status"), choices=MilestoneStatus.choices)
    completed_on = optional_date(_l("Gennemført den"))
    note = TextAreaField(_l("Note"), validators=[Optional()])

    def validate_window(self, field):
        try:
            self.parsed_window = rules.parse_window(field.data)
        except rules.WindowError as exc:
            raise ValidationError(str(exc)) from None


class ReviewForm(LocalizedForm):
    reviewed_on = DateField(_l("Gennemgået den"), validators=[InputRequired(message=DATE_MESSAGE)])
    reviewed_by = StringField(_l("Gennemgået af"), validators=[Optional(), Length(max=300)])
    note = TextAreaField(_l("Konklusion"), validators=[Optional()])


class SettingsForm(VersionedForm):
    review_interval_months = IntegerField(
        _l("Interval for arbejdsgruppens gennemgang (måneder)"),
        validators=[InputRequired(message=_l("Angiv et antal måneder.")),
                    NumberRange(min=1, max=60, message=_l("Mellem 1 og 60 måneder."))])
    review_interval_note = TextAreaField(_l("Begrundelse"), validators=[Optional()])
    sub_plan_interval_months = IntegerField(
        _l("Revisionsinterval for del- og indsatsplaner (måneder)"),
        validators=[InputRequired(message=_l("Angiv et antal måneder.")),
                    NumberRange(min=1, max=120, message=_l("Mellem 1 og 120 måneder."))])
    sub_plan_interval_note = TextAreaField(_l("Begrundelse"), validators=[Optional()])


class SubPlanForm(VersionedForm):
    title = StringField(_l("Titel"), validators=[DataRequired(message=_l("Planen skal have en titel.")),
                                                 Length(max=300)])
    kind = SelectField(_l("Type"), choices=SubPlanKind.choices)
    unit_id = UnitField(_l("Enhed"), validators=[DataRequired(message=_l("Vælg en enhed."))])
    area = StringField(_l("Område"), validators=[Optional(), Length(max=200)])
    plan_id = SelectField(_l("Hører under planen"), choices=[])
    last_revised_on = optional_date(_l("Senest revideret"))
    active = BooleanField(_l("Aktiv"), default=True)
    note = TextAreaField(_l("Note"), validators=[Optional()])


class ExerciseForm(VersionedForm):
    title = StringField(_l("Titel"), validators=[DataRequired(message=_l("Øvelsen skal have en titel.")),
                                                 Length(max=300)])
    exercise_type = SelectField(_l("Øvelsestype"), choices=ExerciseType.choices)
    level = SelectField(_l("Niveau"), choices=ExerciseLevel.choices)
    responsible_unit_id = UnitField(_l("Ansvarlig enhed"))
    planned_on = optional_date(_l("Planlagt dato"))
    held_on = optional_date(_l("Afholdt dato"))
    unit_ids = UnitsField(_l("Deltagende enheder"))
    scenario = TextAreaField(_l("Scenarie"), validators=[Optional()])
    plan_ids = SelectMultipleField(_l("Planer der afprøves"), choices=[])
    sub_plan_ids = SelectMultipleField(_l("Del- og indsatsplaner der afprøves"), choices=[])
    requirement_ids = SelectMultipleField(_l("Krav der afprøves"), choices=[])


class EvaluationForm(VersionedForm):
    evaluation_purpose = TextAreaField(_l("Formål med evalueringen"), validators=[Optional()])
    observations = TextAreaField(_l("Indsamlede observationer"), validators=[Optional()])
    criteria_assessment = TextAreaField(_l("Vurdering mod kriterier"), validators=[Optional()])
    went_well = TextAreaField(_l("Hvad gik godt"), validators=[Optional()])
    must_improve = TextAreaField(_l("Hvad skal forbedres"), validators=[Optional()])
    evaluated_on = optional_date(_l("Evalueret den"))


class ImprovementForm(VersionedForm):
    title = StringField(_l("Forbedringspunkt"), validators=[DataRequired(message=_l("Skriv forbedringspunktet.")),
                                                            Length(max=300)])
    description = TextAreaField(_l("Beskrivelse"), validators=[Optional()])
    owner_unit_id = UnitField(_l("Ansvarlig enhed"))
    due_on = optional_date(_l("Frist"))
    status = SelectField(_l("Status"), choices=ImprovementStatus.choices)
    completed_on = optional_date(_l("Gennemført den"))


class TargetForm(VersionedForm):
    kind = SelectField(_l("Mål"), choices=TargetKind.choices)
    value = IntegerField(_l("Antal (øvelser pr. år eller N år)"),
                         validators=[InputRequired(message=_l("Angiv et tal.")),
                                     NumberRange(min=1, max=50, message=_l("Mellem 1 og 50."))])
    note = TextAreaField(_l("Begrundelse"), validators=[Optional()])
    active = BooleanField(_l("Aktivt"), default=True)


class BodyForm(VersionedForm):
    kind = SelectField(_l("Art"), choices=BodyKind.choices)
    name = StringField(_l("Navn"), validators=[DataRequired(message=_l("Organet skal have et navn.")),
                                               Length(max=200)])
    mandate = TextAreaField(_l("Mandat"), validators=[Optional(), Length(max=10000)])
    members = TextAreaField(_l("Medlemmer"), validators=[Optional(), Length(max=10000)])
    active = BooleanField(_l("Aktivt"))


class IntroductionForm(VersionedForm):
    leader_name = StringField(_l("Leder"), validators=[DataRequired(message=_l("Skriv lederens navn.")),
                                                       Length(max=200)])
    unit_id = UnitField(_l("Enhed"))
    started_on = optional_date(_l("Tiltrådt som leder"))
    planned_on = optional_date(_l("Planlagt introduktion"))
    introduced_on = optional_date(_l("Introduktion givet den"))
    given_by = StringField(_l("Givet af"), validators=[Optional(), Length(max=200)])
    note = TextAreaField(_l("Note"), validators=[Optional()])
