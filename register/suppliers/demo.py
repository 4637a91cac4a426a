"""Fictional risks and suppliers for the demo municipality: the shared municipal infrastructure it depends on
(KOMBIT's systems, KMD, the shared data centre) with invented, neutral contact names; dates relative to today."""
import datetime as dt

import sqlalchemy as sa

from register.core.dates import add_months, local_today
from register.extensions import db
from register.risks import services as risk_services
from register.risks.models import AcceptanceBody, Risk, RiskSource, RiskStatus, Treatment
from register.suppliers import services
from register.suppliers.models import Criticality, ReviewResult, Supplier, SupplierRisk, SupplierService

RISKS = [  # title, source, unit, inherent (L, C), residual (L, C) or None, treatment, months to next review
    ("Ransomware krypterer fagsystemer og fællesdrev", RiskSource.CYBER, "IT-drift", (4, 5), (2, 4),
     Treatment.REDUCE, 3),
    ("Nedbrud i KOMBIT's Serviceplatform stopper ydelser til borgere", RiskSource.CYBER, "Digitalisering og IT",
     (3, 4), (3, 3), Treatment.TRANSFER, 6),
    ("Phishing giver adgang til medarbejderes postkasser", RiskSource.CYBER, "Informationssikkerhed", (5, 3),
     (3, 2), Treatment.REDUCE, -1),
    ("Langvarigt strømsvigt på plejecentre", RiskSource.PREPAREDNESS, "Sundhed og Omsorg", (2, 5), (2, 3),
     Treatment.REDUCE, 8),
    ("Oversvømmelse af kælderarkiv ved skybrud", RiskSource.PREPAREDNESS, "Kommunale ejendomme", (3, 3), (3, 2),
     Treatment.ACCEPT, 10),
    ("Svigt i nødkommunikation under en større hændelse", RiskSource.PREPAREDNESS, "Direktionssekretariatet",
     (2, 4), None, None, 1),
    ("Fejl i løndata ved overgang til nyt lønsystem", RiskSource.CYBER, "Økonomi og HR", (2, 2), None,
     Treatment.ACCEPT, 12),
]

SUPPLIERS = [  # name, criticality, unit, contact, services, contract ends (months), review (months), result
    ("KOMBIT A/S", Criticality.CRITICAL, "Digitalisering og IT", "Kontakt Hansen",
     [("Serviceplatformen", Criticality.CRITICAL), ("Fælleskommunal Adgangsstyring", Criticality.CRITICAL),
      ("Støttesystemet Beskedfordeler", Criticality.HIGH)], None, 2, ReviewResult.SATISFACTORY),
    ("KMD A/S", Criticality.CRITICAL, "Økonomi og HR", "Kontakt Nielsen",
     [("KMD Opus Løn", Criticality.CRITICAL), ("KMD Nexus", Criticality.HIGH)], 5, -1, ReviewResult.REMARKS),
    ("Fælles kommunalt datacenter", Criticality.CRITICAL, "IT-drift", "Kontakt Jensen",
     [("Hosting af servere", Criticality.CRITICAL), ("Backup og genetablering", Criticality.CRITICAL)], 30, 7,
     ReviewResult.SATISFACTORY),
    ("Lokal it-konsulent ApS", Criticality.LOW, "Kommunikation", "Kontakt Poulsen",
     [("Hjemmeside-drift", Criticality.MEDIUM)], 1, None, None),
]


def load_demo(units: dict[str, int]) -> dict:
    """Add the risks and suppliers (flushes); skipped if either register already holds data."""
    if db.session.execute(sa.select(Risk.id).limit(1)).first() or db.session.execute(
            sa.select(Supplier.id).limit(1)).first():
        return {"risks": 0, "suppliers": 0}
    today = local_today()
    risks = {}
    for title, source, unit, inherent, residual, treatment, months in RISKS:
        risk = risk_services.save_risk(Risk(), {
            "title": title, "source": source, "owner_unit_id": units[unit], "inherent_likelihood": inherent[0],
            "inherent_consequence": inherent[1], "residual_likelihood": residual[0] if residual else None,
            "residual_consequence": residual[1] if residual else None, "treatment": treatment,
            "treatment_note": None, "status": RiskStatus.OPEN, "description": None,
            "next_review_on": None})
        risk_services.record_review(risk, add_months(today, months - 12) if months > 0 else add_months(today, -13),
                                    "Informationssikkerhedsudvalget", "Vurderingen er gennemgået.",
                                    add_months(today, months) if months > 0 else today - dt.timedelta(days=20),
                                    today=today)
        risks[title] = risk
    flood = risks["Oversvømmelse af kælderarkiv ved skybrud"]
    risk_services.record_acceptance(flood, AcceptanceBody.COMMITTEE, "Teknik- og Miljøudvalget",
                                    today - dt.timedelta(days=60), "Sag 2024-118, punkt 6", None,
                                    "Arkivet flyttes ved næste ombygning; indtil da accepteres risikoen.",
                                    today=today)
    for name, criticality, unit, contact, offered, ends, review, result in SUPPLIERS:
        supplier = services.save_supplier(Supplier(), {
            "name": name, "criticality": criticality, "owner_unit_id": units[unit], "contact_name": contact,
            "contact_email": None, "cvr": None, "description": None,
            "contract_signed_on": add_months(today, -48),
            "contract_ends_on": add_months(today, ends) if ends is not None else None,
            "processes_personal_data": criticality == Criticality.CRITICAL,
            "dpa_signed_on": add_months(today, -48) if name != "KMD A/S" and criticality == Criticality.CRITICAL
            else None,
            "obliged_incident_notice": criticality == Criticality.CRITICAL, "obliged_security_requirements": True,
            "obliged_audit_right": criticality == Criticality.CRITICAL, "obliged_subcontractor_approval": False,
            "obligations_note": None, "next_review_on": None})
        for service, level in offered:
            db.session.add(SupplierService(supplier_id=supplier.id, name=service, criticality=level))
        if result is not None:
            services.record_review(supplier, add_months(today, review - 12), "Informationssikkerhedskoordinator",
                                   result, None, add_months(today, review) if review > 0
                                   else today - dt.timedelta(days=10), today=today)
    db.session.flush()
    kombit = db.session.execute(sa.select(Supplier).where(Supplier.name == "KOMBIT A/S")).scalar_one()
    db.session.add(SupplierRisk(supplier_id=kombit.id,
                                risk_id=risks["Nedbrud i KOMBIT's Serviceplatform stopper ydelser til borgere"].id))
    db.session.flush()
    return {"risks": len(risks), "suppliers": len(SUPPLIERS)}
