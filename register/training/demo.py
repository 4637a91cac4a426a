"""Fictional management training, a campaign and approvals for the demo municipality."""
import datetime as dt

import sqlalchemy as sa

from register.core.dates import add_months, local_today
from register.extensions import db
from register.training.models import (Approval, ApprovalBody, Campaign, CampaignKind, CampaignUnit, ManagementBody,
                                      Trainee, TrainingRecord)

COURSE = "Cybersikkerhed og NIS2 for ledelsen"


def load_demo(units: dict[str, int]) -> int:
    """Add five trainees (trained, due, lapsed, untrained), a campaign and two approvals (flushes)."""
    if db.session.execute(sa.select(Trainee.id).limit(1)).first():
        return 0
    today = local_today()
    people = [  # name, role, body, unit, months since the course (None: never trained)
        ("Bente Borgmester", "Borgmester", ManagementBody.COUNCIL, None, 10),
        ("Claus Kommunalbestyrelse", "Medlem af kommunalbestyrelsen", ManagementBody.COUNCIL, None, 27),
        ("Dorthe Direktør", "Kommunaldirektør", ManagementBody.EXECUTIVE, "Kommunaldirektørens område", 22),
        ("Henrik Dam", "Direktør for Teknik og Miljø", ManagementBody.EXECUTIVE, "Teknik og Miljø", None),
        ("Morten Lund", "Centerchef", ManagementBody.LEADER, "Digitalisering og IT", 4),
    ]
    for name, role, body, unit, months_ago in people:
        person = Trainee(name=name, role_title=role, body=body, unit_id=units.get(unit), active=True)
        db.session.add(person)
        db.session.flush()
        if months_ago is not None:
            db.session.add(TrainingRecord(trainee_id=person.id, course=COURSE, provider="KL (fiktivt kursus)",
                                          completed_on=add_months(today, -months_ago)))
    campaign = Campaign(title="Phishing-test efterår", kind=CampaignKind.PHISHING,
                        held_on=today - dt.timedelta(days=45),
                        description="Simuleret phishing-mail efterfulgt af kort e-læring for dem, der klikkede.")
    db.session.add(campaign)
    db.session.flush()
    for unit, targeted, completed in (("Skoler", 120, 96), ("Sundhed og Omsorg", 210, 150),
                                      ("Digitalisering og IT", 35, 35)):
        db.session.add(CampaignUnit(campaign_id=campaign.id, unit_id=units[unit], staff_targeted=targeted,
                                    staff_completed=completed))
    db.session.add_all([
        Approval(approved_on=dt.date(2025, 5, 21), body=ApprovalBody.EXECUTIVE,
                 reference="Direktionsmøde 21.05.2025, punkt 4",
                 subject="Informationssikkerhedspolitik og plan for foranstaltninger efter NIS 2-loven § 6."),
        Approval(approved_on=dt.date(2025, 9, 24), body=ApprovalBody.COUNCIL, reference="Sag 25/3117, punkt 12",
                 subject="Kommunens foranstaltninger til styring af cybersikkerhedsrisici (NIS 2-loven § 7).",
                 note="Årlig status til kommunalbestyrelsen aftalt."),
    ])
    db.session.flush()
    return len(people)
