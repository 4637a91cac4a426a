"""Fictional incidents for the demo municipality (times relative to when the demo is loaded)."""
import datetime as dt

import sqlalchemy as sa

from register.core.dates import local_today
from register.core.db import utcnow
from register.extensions import db
from register.incidents import services
from register.incidents.models import (Incident, IncidentRequirement, IncidentStatus, Lesson,
                                       LessonStatus, ReportKind, Significance)


def load_demo(units: dict[str, int]) -> int:
    """Add three incidents, one significant with a late early warning (flushes); skipped if any incident exists."""
    if db.session.execute(sa.select(Incident.id).limit(1)).first():
        return 0
    now = utcnow().replace(second=0, microsecond=0)
    aware = now - dt.timedelta(days=20)
    ransomware = services.save_incident(Incident(), {
        "title": "Ransomware på filserver i Kommunale ejendomme",
        "detected_at": aware - dt.timedelta(hours=3), "aware_at": aware,
        "description": "Krypterede filer på fællesdrevet for Kommunale ejendomme. Serveren blev isoleret, og "
                       "filerne er genskabt fra backup. Leverandøren undersøger, hvordan angriberen kom ind.",
        "systems_affected": "Filserver FS02 (fællesdrev), ejendomssystemet",
        "significance": Significance.SIGNIFICANT,
        "significance_reason": "Ejendomsdriften og udlejning af lokaler stod stille i to dage (art. 23, stk. 3, "
                               "litra a), og der kan være tilgået personoplysninger om lejere (litra b).",
        "status": IncidentStatus.CONTAINED,
    }, [units["Kommunale ejendomme"], units["IT-drift"]])
    services.record_report(ransomware, ReportKind.EARLY_WARNING, aware + dt.timedelta(hours=30), "VIRK-DEMO-4711",
                           "Sendt for sent: vagthavende kendte ikke proceduren.")
    services.record_report(ransomware, ReportKind.NOTIFICATION, aware + dt.timedelta(hours=60), "VIRK-DEMO-4712",
                           None)
    for ref in ("23", "21.2.b"):
        requirement = services.requirement_by_key(f"nis2:{ref}")
        if requirement is not None:  # the catalogues may not be loaded yet
            db.session.add(IncidentRequirement(incident_id=ransomware.id, requirement_id=requirement.id))
    db.session.add_all([
        Lesson(incident_id=ransomware.id, description="Indfør offline backup af fællesdrev, og test genskabelse "
               "hvert kvartal.", owner_unit_id=units["IT-drift"], due_on=local_today() + dt.timedelta(days=60),
               status=LessonStatus.OPEN),
        Lesson(incident_id=ransomware.id, description="Vagtplanen skal indeholde proceduren for tidlig varsling "
               "via virk.dk.", owner_unit_id=units["Informationssikkerhed"],
               due_on=local_today() + dt.timedelta(days=14), status=LessonStatus.OPEN),
    ])
    phishing_at = now - dt.timedelta(days=9)
    services.save_incident(Incident(), {
        "title": "Phishing-mail mod lønbogholderiet",
        "detected_at": phishing_at, "aware_at": phishing_at + dt.timedelta(minutes=20),
        "description": "Falsk mail om ændring af en medarbejders lønkonto. Opdaget inden udbetaling.",
        "systems_affected": "Mail", "significance": Significance.NOT_SIGNIFICANT,
        "significance_reason": "Ingen driftsforstyrrelse, intet økonomisk tab og ingen berørte borgere.",
        "status": IncidentStatus.CLOSED,
    }, [units["Økonomi og HR"]])
    outage_at = now - dt.timedelta(hours=6)
    services.save_incident(Incident(), {
        "title": "Nedbrud i omsorgssystemet hos leverandøren",
        "detected_at": outage_at - dt.timedelta(minutes=45), "aware_at": outage_at,
        "description": "Hjemmeplejen kan ikke se dagens besøg. Leverandøren melder om et muligt angreb.",
        "systems_affected": "Omsorgssystem (leverandørdrevet)", "significance": Significance.PENDING,
        "significance_reason": None, "status": IncidentStatus.HANDLING,
    }, [units["Sundhed og Omsorg"]])
    db.session.flush()
    return 3
