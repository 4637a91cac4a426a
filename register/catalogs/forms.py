"""Forms shared by the parts that link records to requirements."""
from flask import flash
from wtforms.validators import DataRequired

from register.catalogs.models import Requirement
from register.catalogs.services import requirement_picker
from register.core.forms import LocalizedForm
from register.core.i18n import lazy_gettext as _l
from register.core.picker import RecordField


class RequirementPickForm(LocalizedForm):
    """Link one more requirement to a record, picked (after a search, when there are many) on the record's page."""
    requirement_id = RecordField(_l("Krav"), model=Requirement, validators=[DataRequired(message=_l("Vælg et krav."))])


def requirement_pick_section(may_edit: bool, exclude_catalog: str | None = None) -> dict:
    """A record page's "link a requirement" section: the form and its search, or nothing for readers."""
    if not may_edit:
        return {"link_form": None, "requirement_picker": None}
    form, picker = RequirementPickForm(), requirement_picker(exclude_catalog)
    form.requirement_id.choices = picker.choices
    return {"link_form": form, "requirement_picker": picker}


def picked_requirement() -> int | None:
    """The requirement chosen in a submitted pick form; None (with the reason flashed) when there is none."""
    form = RequirementPickForm()
    if form.validate_on_submit():
        return int(form.requirement_id.data)
    flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
    return None
