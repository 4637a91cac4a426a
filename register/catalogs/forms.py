"""Forms shared by the parts that link records to requirements."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import DataRequired

from register.catalogs.models import Requirement
from register.core.picker import RecordField


class RequirementPickForm(FlaskForm):
    """Link one more requirement to a record, picked (after a search, when there are many) on the record's page."""
    requirement_id = RecordField(_l("Krav"), model=Requirement, validators=[DataRequired(message=_l("Vælg et krav."))])
