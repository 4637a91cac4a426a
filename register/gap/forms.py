"""Forms for assessments, scores, findings and the import."""
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (BooleanField, DateField, FieldList, FormField, HiddenField, IntegerField, SelectChoice,
                     StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from register.core.forms import LocalizedForm, LocalizedSubform, SelectField, SelectMultipleField, VersionedForm
from register.core.i18n import lazy_gettext as _l
from register.gap.models import (AssessorKind, CostLevel, FindingStatus, ImplementationGroup, Priority, Severity,
                                 maturity_scale)
from register.organisation.forms import UnitField


def max_length(limit: int) -> Length:
    return Length(max=limit, message=_l("Højst %(max)d tegn."))


def level_choices() -> list[SelectChoice]:
    return [SelectChoice("", "—")] + [SelectChoice(str(level), f"{level} – {name}")
                                      for level, name, _meaning in maturity_scale()]


def blank_plus(choices) -> list[SelectChoice]:
    return [SelectChoice("", "—")] + choices()


class AssessmentForm(VersionedForm):
    name = StringField(_l("Navn"), validators=[DataRequired(message=_l("Vurderingen skal have et navn.")),
                                               max_length(200)])
    assessed_on = DateField(_l("Dato"), validators=[InputRequired(message=_l("Angiv vurderingens dato."))])
    assessor_kind = SelectField(_l("Vurderet af"), choices=AssessorKind.choices)
    assessor_name = StringField(_l("Rådgiver eller person"), validators=[max_length(200)])
    method = StringField(_l("Metode"), default="CIS Controls v8",
                         validators=[DataRequired(message=_l("Angiv metoden.")), max_length(200)])
    scope = TextAreaField(_l("Omfang"), validators=[Optional(), max_length(5000)])
    start_from = SelectField(_l("Start fra tidligere vurdering"), choices=[], validate_choice=True)

    def validate_assessor_name(self, field):
        if self.assessor_kind.data == AssessorKind.EXTERNAL.value and not (field.data or "").strip():
            raise ValidationError(_l("Angiv navnet på den eksterne rådgiver."))


class ScoreRowForm(LocalizedSubform):
    """One CIS control's row in the score table (no CSRF of its own: the outer form has it)."""

    requirement_id = HiddenField()
    version = HiddenField()
    current_level = SelectField(_l("Nuværende modenhed"), choices=level_choices)
    target_level = SelectField(_l("Mål"), choices=level_choices)
    implementation_group = SelectField(_l("Implementeringsgruppe"),
                                       choices=lambda: [SelectChoice("", "—")] + [
                                           SelectChoice(g.value, g.short) for g in ImplementationGroup])
    justification = TextAreaField(_l("Begrundelse"), validators=[Optional(), max_length(2000)])
    confirm = BooleanField(_l("Bekræft uændret"))


class ScoresForm(LocalizedForm):
    rows = FieldList(FormField(ScoreRowForm))


class FindingForm(VersionedForm):
    external_id = StringField(_l("Id"), validators=[Optional(), max_length(64)])
    title = StringField(_l("Titel"), validators=[DataRequired(message=_l("Fundet skal have en titel.")),
                                                 max_length(500)])
    description = TextAreaField(_l("Beskrivelse"), validators=[Optional(), max_length(10000)])
    assessment_id = SelectField(_l("Gap-analyse"), choices=[], default="", validate_choice=True)
    controls = SelectMultipleField(_l("CIS-kontroller"), choices=[], validate_choice=True)
    requirements = SelectMultipleField(_l("Øvrige krav"), choices=[], validate_choice=True)
    severity = SelectField(_l("Kritikalitet"), choices=Severity.choices)
    cost = SelectField(_l("Estimeret omkostning"), choices=lambda: blank_plus(CostLevel.choices), default="")
    cost_estimate_dkk = IntegerField(_l("Beløb (kr.)"), validators=[
        Optional(), NumberRange(min=0, message=_l("Beløbet kan ikke være negativt."))])
    effort = StringField(_l("Estimeret indsats"), validators=[Optional(), max_length(100)])
    priority_override = SelectField(_l("Tilsidesæt prioritet"), choices=[], default="", validate_choice=True)
    priority_override_reason = TextAreaField(_l("Begrundelse for tilsidesættelse"),
                                             validators=[max_length(2000)])
    unit_id = UnitField(_l("Ansvarlig enhed"), default="")
    owner = StringField(_l("Ejer"), validators=[Optional(), max_length(200)])
    identified_on = DateField(_l("Konstateret"), validators=[InputRequired(message=_l("Angiv datoen."))])
    due_on = DateField(_l("Frist"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=FindingStatus.choices)
    closure_evidence = TextAreaField(_l("Dokumentation for lukning"), validators=[max_length(5000)])
    closed_on = DateField(_l("Lukket dato"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.priority_override.choices = [SelectChoice("", _l("Nej – brug den beregnede prioritet"))] + \
            Priority.choices()

    def validate_priority_override_reason(self, field):
        if self.priority_override.data and not (field.data or "").strip():
            raise ValidationError(_l("Skriv hvorfor prioriteten tilsidesættes."))

    def validate_closure_evidence(self, field):
        if self.status.data == FindingStatus.CLOSED.value and not (field.data or "").strip():
            raise ValidationError(_l("Beskriv hvad der viser, at fundet er lukket."))

    def validate_closed_on(self, field):
        if field.data and self.status.data != FindingStatus.CLOSED.value:
            raise ValidationError(_l("Lukkedato kan kun angives, når status er Lukket."))


class ImportForm(LocalizedForm):
    file = FileField(_l("Fil (XLSX eller CSV)"), validators=[
        FileRequired(message=_l("Vælg en fil.")),
        FileAllowed(["xlsx", "csv"], message=_l("Filen skal være en XLSX- eller CSV-fil."))])


class ConfirmImportForm(LocalizedForm):
    token = HiddenField(validators=[DataRequired()])
