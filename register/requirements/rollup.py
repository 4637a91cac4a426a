"""The documented rule for rolling a requirement's status up from its controls."""

from register.controls.models import ControlStatus
from register.core.i18n import lazy_gettext as _l
from register.requirements.models import ImplementationStatus

ROLLUP_RULE = _l(
    "Alle tilknyttede tiltag implementeret: Implementeret. Mindst ét implementeret eller i gang: Delvist. "
    "Mindst ét planlagt: Planlagt. Ellers (også uden tiltag): Ikke påbegyndt. Ophørte tiltag tæller ikke med."
)


def rollup_status(statuses) -> ImplementationStatus:
    """A requirement's status from the statuses of the controls that satisfy it."""
    live = [s for s in statuses if s != ControlStatus.DISCONTINUED]
    if not live:
        return ImplementationStatus.NOT_STARTED
    if all(s == ControlStatus.IMPLEMENTED for s in live):
        return ImplementationStatus.IMPLEMENTED
    if any(s in (ControlStatus.IMPLEMENTED, ControlStatus.IN_PROGRESS) for s in live):
        return ImplementationStatus.PARTLY
    if any(s == ControlStatus.PLANNED for s in live):
        return ImplementationStatus.PLANNED
    return ImplementationStatus.NOT_STARTED
