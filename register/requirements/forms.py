"""Assessing a requirement, bulk edit, evidence and catalogue upload."""
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, StringField, TextAreaField
from wtforms import SelectChoice, URLField
from wtforms.validators import DataRequired, Length, Optional, URL, ValidationError

from register.controls.models import Control
from register.core.dates import local_today
from register.core.forms import LocalizedForm, SelectField, SelectMultipleField, VersionedForm
from register.core.i18n import lazy_gettext as _l
from register.core.picker import RecordField
from register.organisation.forms import UnitField
from register.requirements.models import MATURITY_SCALE, ImplementationStatus


def status_choices(blank_label) -> list[SelectChoice]:
    return [SelectChoice("", blank_label)] + ImplementationStatus.choices()


def maturity_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("Ikke vurderet"))] + [
        SelectChoice(str(score), f"{score} – {name}") for score, (name, _meaning) in MATURITY_SCALE.items()]


class AssessmentForm(VersionedForm):
    applicable = SelectField(_l("Relevans"), choices=[SelectChoice("yes", _l("Relevant for kommunen")),
                                                       SelectChoice("no", _l("Ikke relevant"))])
    applicability_reason = TextAreaField(_l("Begrundelse for relevans"), validators=[Length(max=4000)])
    status = SelectField(_l("Implementeringsstatus"), choices=status_choices(_l("Ikke vurderet")))
    status_from_controls = BooleanField(_l("Beregn status ud fra tilknyttede tiltag"))
    # Not named after the model's column: bound with obj=, an old date would backdate the next status change.
    effective_on = DateField(_l("Status gælder fra (valgfri)"), validators=[Optional()], render_kw={"type": "date"})
    maturity = SelectField(_l("Modenhed (0-5)"), choices=maturity_choices())
    responsible_unit_id = UnitField(_l("Ansvarlig enhed"))
    responsible_person = StringField(_l("Ansvarlig person"), validators=[Optional(), Length(max=200)])
    next_review = DateField(_l("Næste gennemgang"), validators=[Optional()],
                            render_kw={"type": "date"})
    notes = TextAreaField(_l("Noter"), validators=[Optional(), Length(max=20000)])

    def validate_effective_on(self, field):
        if field.data is not None and field.data > local_today():
            raise ValidationError(_l("Datoen, statussen gælder fra, kan ikke ligge i fremtiden."))

    def validate_applicability_reason(self, field):
        if self.applicable.data == "no" and not (field.data or "").strip():
            raise ValidationError(_l("Skriv hvorfor kravet ikke er relevant for kommunen."))

    def values(self) -> dict:
        """The form's data as model values."""
        return {
            "applicable": self.applicable.data == "yes",
            "applicability_reason": (self.applicability_reason.data or "").strip() or None,
            "status": ImplementationStatus(self.status.data) if self.status.data else None,
            "status_from_controls": bool(self.status_from_controls.data),
            "maturity": int(self.maturity.data) if self.maturity.data else None,
            "responsible_unit_id": int(self.responsible_unit_id.data) if self.responsible_unit_id.data else None,
            "responsible_person": (self.responsible_person.data or "").strip() or None,
            "next_review": self.next_review.data,
            "notes": (self.notes.data or "").strip() or None,
            "status_effective_on": self.effective_on.data,
        }


class BulkEditForm(LocalizedForm):
    ids = SelectMultipleField(_l("Valgte krav"), choices=[], validate_choice=False,
                              validators=[DataRequired(message=_l("Vælg mindst ét krav i listen."))])
    status = SelectField(_l("Sæt status"), choices=status_choices(_l("(uændret)")))
    unit = SelectField(_l("Sæt ansvarlig enhed"), choices=[])
    next_review = DateField(_l("Sæt næste gennemgang"), validators=[Optional()], render_kw={"type": "date"})

    def validate_ids(self, field):
        if not all(str(v).isdigit() for v in field.data or []):
            raise ValidationError(_l("Ugyldigt valg af krav."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.status.data or self.unit.data or self.next_review.data or self.next_review.errors):
            self.status.errors = [*self.status.errors,
                                  _l("Vælg mindst én ændring: status, ansvarlig enhed eller næste gennemgang.")]
            return False
        return valid


class LinkEvidenceForm(LocalizedForm):
    title = StringField(_l("Titel"), validators=[Optional(), Length(max=300)])
    url = URLField(_l("Link"), validators=[DataRequired(message=_l("Angiv et link.")),
                                           URL(require_tld=False, message=_l("Ugyldigt link.")), Length(max=2000)])


class FileEvidenceForm(LocalizedForm):
    title = StringField(_l("Titel"), validators=[Optional(), Length(max=300)])
    file = FileField(_l("Fil"), validators=[FileRequired(message=_l("Vælg en fil."))])


class LinkControlForm(LocalizedForm):
    control_id = RecordField(_l("Tiltag"), model=Control, validators=[DataRequired(message=_l("Vælg et tiltag."))])


class CatalogUploadForm(LocalizedForm):
    file = FileField(_l("Katalogfil (YAML)"), validators=[FileRequired(message=_l("Vælg en fil."))])
