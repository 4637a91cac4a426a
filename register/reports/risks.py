"""The annual report's section on risks and suppliers.

As the rest of the report: the register as recorded (now, or on the audit view's day), read by the records' own
dates (an acceptance counts from the day it was decided, a review is overdue by its own next date).

Self-contained: reports/data.py adds `risk_section(...)` to its list of sections and passes its History, so
the section reads each model's states once like every other section. Text is Danish (the report's language).
"""
import datetime as dt
from collections import Counter, defaultdict
from functools import cache

from register.core.i18n import force_locale
from register.reports import document as d
from register.reports import formatting as fmt
from register.risks import services
from register.risks.models import Risk, RiskAcceptance, RiskStatus, Treatment
from register.suppliers.models import Criticality, Supplier

TOP_RISKS = 10


@cache
def _label(member) -> str:
    with force_locale("da"):
        return member.label


def heat_block(counts: dict[tuple[int, int], int], scale: services.Scale, title: str) -> d.HeatMap:
    """A heat map of the counts per (likelihood, consequence) on the municipality's scale."""
    heat = services.heat_map_from(counts, scale)
    cells = [[d.HeatCell(c.count, _label(c.level), c.level.tone) for c in row] for row in heat.rows]
    rows = [scale.likelihood_label(row[0].likelihood) for row in heat.rows]
    columns = [scale.consequence_label(n) for n in range(1, len(scale.consequence) + 1)]
    words = "; ".join(f"sandsynlighed {r}, konsekvens {columns[i]}: {c.count}"
                      for r, row in zip(rows, cells, strict=True) for i, c in enumerate(row) if c.count)
    return d.HeatMap(title, "Sandsynlighed", "Konsekvens", rows, columns, cells,
                     description=f"{title}: {words or 'ingen risici'}.")


def _acceptance_text(risk, acceptances: list, as_of: dt.date) -> str:
    state = services.acceptance_state(risk, acceptances, as_of)
    if state == services.AcceptanceState.VALID:
        latest = acceptances[0]
        return f"Accepteret af {latest.body_name} {fmt.short_date(latest.decided_on)}"
    if state == services.AcceptanceState.NOT_NEEDED:
        return "–"
    return _label(state)


def risk_section(history, year: int, as_of: dt.date, recorded: dt.date, units: dict[int, str]) -> d.Section:
    """Risks and suppliers at the end of `as_of`, as the register knew them at the end of `recorded`: heat maps,
    the highest risks, the year's acceptances, reviews that are overdue, and the suppliers the municipality
    depends on most."""
    scale = services.scale()
    recorded_risks = history.snapshots(Risk, recorded).values()
    risks = [r for r in recorded_risks if r.status == RiskStatus.OPEN]
    acceptances = defaultdict(list)
    for a in history.snapshots(RiskAcceptance, recorded).values():
        if a.decided_on <= as_of:
            acceptances[a.risk_id].append(a)
    for items in acceptances.values():
        items.sort(key=lambda a: (a.decided_on, a.id), reverse=True)
    current = {r.id: services.current(r) for r in risks}
    level = {r.id: scale.level(*current[r.id]) for r in risks}
    by_level = Counter(level.values())
    states = {r.id: services.acceptance_state(r, acceptances[r.id], as_of) for r in risks}
    waiting = sum(1 for s in states.values() if s in (services.AcceptanceState.MISSING,
                                                      services.AcceptanceState.OUTDATED))
    overdue = sorted((r for r in risks if services.review_overdue(r, as_of)), key=lambda r: (r.next_review_on, r.id))
    high = by_level[services.Level.CRITICAL] + by_level[services.Level.HIGH]
    blocks = [
        d.Para("Risici fra cyberrisikoanalysen (NIS2 art. 21, stk. 2, litra a) og fra beredskabets risiko- og "
               f"sårbarhedsvurdering (RSV), vurderet på kommunens skala med {len(scale.likelihood)} niveauer for "
               f"sandsynlighed og {len(scale.consequence)} for konsekvens. Restrisikoen er risikoen efter "
               "behandling; er den ikke vurderet, tæller den iboende risiko."),
        d.Figures([d.Figure("Aktive risici", fmt.number(len(risks))),
                   d.Figure("Høje og kritiske", fmt.number(high), "Efter restrisiko", "error" if high else "success"),
                   d.Figure("Afventer accept", fmt.number(waiting),
                            "Skal accepteres af et navngivet organ", "warning" if waiting else "success"),
                   d.Figure("Gennemgang overskredet", fmt.number(len(overdue)), "",
                            "error" if overdue else "success")]),
        heat_block(Counter(current.values()), scale, "Risikomatrix: restrisiko"),
        heat_block(Counter((r.inherent_likelihood, r.inherent_consequence) for r in risks), scale,
                   "Risikomatrix: iboende risiko"),
    ]
    order = {lv: n for n, lv in enumerate(reversed(list(services.Level)))}
    top = sorted(risks, key=lambda r: (order[level[r.id]], -current[r.id][0] * current[r.id][1], r.title))
    blocks.append(d.Table(
        ["Risiko", "Kilde", "Ansvarlig", "Restrisiko", "Behandling", "Accept"],
        [[r.title, _label(r.source), units.get(r.owner_unit_id, "–"),
          f"{current[r.id][0]} × {current[r.id][1]} {_label(level[r.id])}",
          _label(r.treatment) if isinstance(r.treatment, Treatment) else "Ikke besluttet",
          _acceptance_text(r, acceptances[r.id], as_of)] for r in top[:TOP_RISKS]],
        caption=f"De {min(TOP_RISKS, len(top))} højeste risici", widths=[3.5, 1.3, 2, 1.6, 1.3, 2.3],
        empty="Der er ingen aktive risici i registret."))
    decided = sorted((a for items in acceptances.values() for a in items if a.decided_on.year == year),
                     key=lambda a: (a.decided_on, a.id))
    titles = {r.id: r.title for r in recorded_risks}
    blocks.append(d.Table(
        ["Dato", "Organ", "Risiko", "Accepteret niveau", "Sag"],
        [[fmt.short_date(a.decided_on), a.body_name, titles.get(a.risk_id, "–"),
          f"{a.likelihood} × {a.consequence} {_label(scale.level(a.likelihood, a.consequence))}", a.reference or "–"]
         for a in decided],
        caption=f"Risici accepteret i {year}", widths=[1.2, 2.2, 3.8, 1.8, 2],
        empty="Ingen risici er accepteret i året."))
    blocks.append(d.Table(
        ["Risiko", "Ansvarlig", "Skulle gennemgås"],
        [[r.title, units.get(r.owner_unit_id, "–"), fmt.short_date(r.next_review_on)] for r in overdue],
        caption="Risici, hvis gennemgang er overskredet", widths=[5, 2.5, 1.6],
        empty="Ingen risici er over frist for gennemgang."))
    blocks.append(_suppliers(history, as_of, recorded, units))
    return d.Section("Risici og leverandører", blocks)


def _suppliers(history, as_of: dt.date, recorded: dt.date, units: dict[int, str]) -> d.Section:
    suppliers = list(history.snapshots(Supplier, recorded).values())
    by_criticality = Counter(s.criticality for s in suppliers)
    important = sorted((s for s in suppliers if s.criticality in (Criticality.CRITICAL, Criticality.HIGH)),
                       key=lambda s: (s.criticality != Criticality.CRITICAL, s.name))
    late = [s for s in suppliers if s.next_review_on is None or s.next_review_on < as_of]
    no_dpa = [s for s in suppliers if s.processes_personal_data and s.dpa_signed_on is None]

    def review(s) -> str:
        if s.last_reviewed_on is None:
            return "Aldrig gennemgået"
        result = _label(s.last_review_result) if s.last_review_result is not None else ""
        return f"{fmt.short_date(s.last_reviewed_on)} {result}".strip()

    return d.Section("Leverandører", [
        d.Para("NIS2 art. 21, stk. 2, litra d, og stk. 3: forsyningskædesikkerhed, herunder den enkelte "
               "leverandørs sårbarheder og sikkerhedspraksis."),
        d.Figures([d.Figure("Leverandører", fmt.number(len(suppliers)),
                            f"{fmt.number(by_criticality[Criticality.CRITICAL])} kritiske, "
                            f"{fmt.number(by_criticality[Criticality.HIGH])} høje"),
                   d.Figure("Gennemgang mangler eller er overskredet", fmt.number(len(late)), "",
                            "warning" if late else "success"),
                   d.Figure("Mangler databehandleraftale", fmt.number(len(no_dpa)), "",
                            "error" if no_dpa else "success")]),
        d.Table(["Leverandør", "Kritikalitet", "Ansvarlig", "Senest gennemgået", "Næste", "Kontrakt udløber"],
                [[s.name, _label(s.criticality), units.get(s.owner_unit_id, "–"), review(s),
                  fmt.short_date(s.next_review_on), fmt.short_date(s.contract_ends_on)] for s in important],
                caption="Kritiske og høje leverandører", widths=[3, 1.3, 2, 2.2, 1.3, 1.5],
                empty="Der er ingen kritiske eller høje leverandører i registret."),
    ], level=2, page_break=False)
