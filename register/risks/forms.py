"""Entering a risk, linking it, reviewing it and recording its acceptance."""
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from register.core.forms import LocalizedForm, SelectField, VersionedForm
from register.core.i18n import lazy_gettext as _l
from register.core.picker import RecordField
from register.organisation.forms import UnitField
from register.risks.models import AcceptanceBody, RiskSource, RiskStatus, Treatment

DATE_MESSAGE = _l("Angiv en dato, fx 2025-12-31.")


class RiskForm(VersionedForm):
    title = StringField(_l("Titel"), validators=[DataRequired(message=_l("Risikoen skal have en titel.")),
                                                 Length(max=300)])
    description = TextAreaField(_l("Beskrivelse"), validators=[Optional(), Length(max=20000)])
    source = SelectField(_l("Kilde"), choices=RiskSource.choices)
    owner_unit_id = UnitField(_l("Ansvarlig enhed"),
                              validators=[DataRequired(message=_l("Vælg den ansvarlige enhed."))])
    inherent_likelihood = SelectField(_l("Sandsynlighed (iboende)"))
    inherent_consequence = SelectField(_l("Konsekvens (iboende)"))
    residual_likelihood = SelectField(_l("Sandsynlighed (restrisiko)"))
    residual_consequence = SelectField(_l("Konsekvens (restrisiko)"))
    treatment = SelectField(_l("Behandling"))
    treatment_note = TextAreaField(_l("Begrundelse for behandlingen"), validators=[Optional(), Length(max=20000)])
    status = SelectField(_l("Status"), choices=RiskStatus.choices)
    next_review_on = DateField(_l("Næste gennemgang"), validators=[Optional()], render_kw={"type": "date"},
                               invalid_value_message=DATE_MESSAGE)

    def set_scale(self, the_scale) -> None:
        likelihood = [(str(n), the_scale.likelihood_label(n)) for n in range(1, len(the_scale.likelihood) + 1)]
        consequence = [(str(n), the_scale.consequence_label(n)) for n in range(1, len(the_scale.consequence) + 1)]
        self.inherent_likelihood.choices = [("", "—")] + likelihood
        self.inherent_consequence.choices = [("", "—")] + consequence
        self.residual_likelihood.choices = [("", _l("Ikke vurderet"))] + likelihood
        self.residual_consequence.choices = [("", _l("Ikke vurderet"))] + consequence
        self.treatment.choices = [("", _l("Ikke besluttet"))] + [(t.value, t.label) for t in Treatment]

    def values(self) -> dict:
        def number(field):
            return int(field.data) if field.data else None

        return {
            "title": self.title.data or "",
            "description": self.description.data or "",
            "source": RiskSource(self.source.data),
            "owner_unit_id": int(self.owner_unit_id.data),
            "inherent_likelihood": number(self.inherent_likelihood),
            "inherent_consequence": number(self.inherent_consequence),
            "residual_likelihood": number(self.residual_likelihood),
            "residual_consequence": number(self.residual_consequence),
            "treatment": Treatment(self.treatment.data) if self.treatment.data else None,
            "treatment_note": self.treatment_note.data or "",
            "status": RiskStatus(self.status.data),
            "next_review_on": self.next_review_on.data,
        }


class LinkForm(LocalizedForm):
    target_id = RecordField(_l("Vælg"), validators=[DataRequired(message=_l("Vælg det, risikoen skal knyttes til."))])
    note = StringField(_l("Bemærkning"), validators=[Optional(), Length(max=2000)])


class ReviewForm(LocalizedForm):
    reviewed_on = DateField(_l("Gennemgået den"), validators=[InputRequired(message=_l("Angiv datoen."))],
                            render_kw={"type": "date"}, invalid_value_message=DATE_MESSAGE)
    reviewed_by = StringField(_l("Gennemgået af"), validators=[
        DataRequired(message=_l("Angiv hvem der gennemgik risikoen.")), Length(max=200)])
    note = TextAreaField(_l("Konklusion"), validators=[Optional(), Length(max=20000)])
    next_review_on = DateField(_l("Næste gennemgang"), validators=[Optional()], render_kw={"type": "date"},
                               invalid_value_message=DATE_MESSAGE)


class AcceptanceForm(LocalizedForm):
    body = SelectField(_l("Organ"), choices=AcceptanceBody.choices)
    body_name = StringField(_l("Organets navn"), validators=[
        DataRequired(message=_l("Angiv navnet på det organ, der accepterede risikoen.")), Length(max=200)])
    decided_on = DateField(_l("Besluttet den"),
                           validators=[InputRequired(message=_l("Angiv datoen for beslutningen."))],
                           render_kw={"type": "date"}, invalid_value_message=DATE_MESSAGE)
    reference = StringField(_l("Sag eller dagsordenspunkt"), validators=[Optional(), Length(max=200)])
    valid_until = DateField(_l("Gælder til"), validators=[Optional()], render_kw={"type": "date"},
                            invalid_value_message=DATE_MESSAGE)
    note = TextAreaField(_l("Begrundelse"), validators=[Optional(), Length(max=20000)])
