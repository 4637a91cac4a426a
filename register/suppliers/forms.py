"""Entering a supplier, what it delivers, its links and its reviews."""
from wtforms import BooleanField, DateField, EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from register.core.forms import LocalizedForm, SelectField, VersionedForm
from register.core.i18n import lazy_gettext as _l
from register.core.picker import RecordField
from register.organisation.forms import UnitField
from register.suppliers.models import Criticality, ReviewResult

DATE_MESSAGE = _l("Angiv en dato, fx 2025-12-31.")


def _date(label, required_message=None):
    validators = [InputRequired(message=required_message)] if required_message else [Optional()]
    return DateField(label, validators=validators, render_kw={"type": "date"}, invalid_value_message=DATE_MESSAGE)


class SupplierForm(VersionedForm):
    name = StringField(_l("Navn"), validators=[DataRequired(message=_l("Leverandøren skal have et navn.")),
                                               Length(max=200)])
    cvr = StringField(_l("CVR-nummer"), validators=[Optional(), Length(max=20)])
    description = TextAreaField(_l("Beskrivelse"), validators=[Optional(), Length(max=20000)])
    contact_name = StringField(_l("Kontaktperson"), validators=[Optional(), Length(max=200)])
    contact_email = EmailField(_l("Kontakt-e-mail"), validators=[
        Optional(), Email(message=_l("Ugyldig e-mailadresse.")), Length(max=254)])
    owner_unit_id = UnitField(_l("Ansvarlig enhed"))
    criticality = SelectField(_l("Kritikalitet"), choices=Criticality.choices)
    contract_signed_on = _date(_l("Kontrakt indgået"))
    contract_ends_on = _date(_l("Kontrakten udløber"))
    processes_personal_data = BooleanField(_l("Behandler personoplysninger for kommunen"))
    dpa_signed_on = _date(_l("Databehandleraftale indgået"))
    obliged_incident_notice = BooleanField(_l("Skal underrette kommunen om sikkerhedshændelser"))
    obliged_security_requirements = BooleanField(_l("Kontrakten stiller sikkerhedskrav"))
    obliged_audit_right = BooleanField(_l("Kommunen har ret til revision og tilsyn"))
    obliged_subcontractor_approval = BooleanField(_l("Underleverandører kræver kommunens godkendelse"))
    obligations_note = TextAreaField(_l("Øvrige forpligtelser"), validators=[Optional(), Length(max=20000)])
    next_review_on = _date(_l("Næste gennemgang"))

    FIELDS = ("name", "cvr", "description", "contact_name", "contact_email", "contract_signed_on",
              "contract_ends_on", "processes_personal_data", "dpa_signed_on", "obliged_incident_notice",
              "obliged_security_requirements", "obliged_audit_right", "obliged_subcontractor_approval",
              "obligations_note", "next_review_on")

    def values(self) -> dict:
        values = {name: self[name].data for name in self.FIELDS}
        values["name"] = values["name"] or ""
        values["owner_unit_id"] = int(self.owner_unit_id.data) if self.owner_unit_id.data else None
        values["criticality"] = Criticality(self.criticality.data)
        return values


class ServiceForm(LocalizedForm):
    name = StringField(_l("System eller ydelse"), validators=[
        DataRequired(message=_l("Angiv systemet eller ydelsen.")), Length(max=200)])
    description = StringField(_l("Beskrivelse"), validators=[Optional(), Length(max=2000)])
    criticality = SelectField(_l("Kritikalitet"), choices=Criticality.choices)


class LinkForm(LocalizedForm):
    target_id = RecordField(_l("Vælg"), validators=[
        DataRequired(message=_l("Vælg det, leverandøren skal knyttes til."))])
    note = StringField(_l("Bemærkning"), validators=[Optional(), Length(max=2000)])


class ReviewForm(LocalizedForm):
    reviewed_on = _date(_l("Gennemgået den"), _l("Angiv datoen."))
    reviewed_by = StringField(_l("Gennemgået af"), validators=[
        DataRequired(message=_l("Angiv hvem der gennemgik leverandøren.")), Length(max=200)])
    result = SelectField(_l("Resultat"), choices=ReviewResult.choices)
    note = TextAreaField(_l("Konklusion"), validators=[Optional(), Length(max=20000)])
    next_review_on = _date(_l("Næste gennemgang"))
