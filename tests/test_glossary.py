"""The words users see, one way each, in the UI, the PDF report and the shipped catalogues.

A small glossary: the form we use, and the variants that have crept in before. The test reads the Danish
source text (templates, Python strings, catalogue files), so a variant fails here before a user sees it.
"""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    [p for p in (ROOT / "templates").rglob("*.html")]
    # demo data is a fictional municipality's own records (its meeting dates included), not UI text
    + [p for p in (ROOT / "register").rglob("*.py") if "migrations" not in p.parts and "demo" not in p.stem
       and "demo" not in p.parts]
    + [p for p in (ROOT / "register" / "catalogs" / "data").glob("*.yaml")])

# (the form we use, a pattern matching the variants, why)
GLOSSARY = [
    ("gap-analyse (Gap-analyse first in a heading)", re.compile(r"\bGAP-analys|(?i:\bgap analyse|\bgapanalys)"),
     "one spelling of gap-analyse"),
    ("fx", re.compile(r"\bf\. ?eks\.|\bf\.x\.", re.I), "Dansk Sprognævn's short form, used throughout"),
    ("Registrer", re.compile(r"Registrér|registrér"), "one form of the imperative"),
    ("en gyldig API-nøgle", re.compile(r"et gyldigt API-nøgle|API nøgle"), "nøgle is common gender"),
    ("Ikke til stede (maturity 0)", re.compile(r"Ikke-eksisterende|Ikke eksisterende", re.I),
     "one name per maturity level"),
    ("foreløbig rapport (art. 23, stk. 4, litra c)", re.compile(r"bede om en statusrapport", re.I),
     "the intermediate report on request is a foreløbig rapport; a statusrapport is litra e"),
    ("relevante kurser (NIS2 art. 20, stk. 2)", re.compile(r"skal deltage i uddannelse", re.I),
     "NIS 2-loven § 7, stk. 2 says relevante kurser"),
    ("no meeting date of one municipality", re.compile(r"møde[a-z]* (den )?\d{1,2}[-./]\d{1,2}[-./]\d{2,4}", re.I),
     "UI text is the same for every municipality"),
]


def _lines():
    for path in SOURCES:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            yield path.relative_to(ROOT), number, line


@pytest.mark.parametrize("preferred,variant,why", GLOSSARY, ids=[g[0] for g in GLOSSARY])
def test_the_glossary_has_one_form_for_each_word(preferred, variant, why):
    found = [f"{path}:{number}: {line.strip()[:120]}" for path, number, line in _lines() if variant.search(line)]
    assert not found, f"write {preferred!r} ({why}):\n" + "\n".join(found)


def test_the_variants_are_caught():
    """The patterns themselves: each catches the variant it is there for and leaves the preferred form alone."""
    samples = {0: ("GAP-analyse", "Gap-analyse"), 1: ("f.eks. 2025", "fx 2025"),
               2: ("Registrér kursus", "Registrer kursus"),
               3: ("Angiv et gyldigt API-nøgle", "Angiv en gyldig API-nøgle"),
               4: ("Ikke-eksisterende", "Ikke til stede"),
               7: ("fra Direktionens møde 19-02-2025", "fra direktionens møde")}
    for index, (bad, good) in samples.items():
        assert GLOSSARY[index][1].search(bad) and not GLOSSARY[index][1].search(good), GLOSSARY[index][0]


def test_each_maturity_level_has_one_name_in_the_requirements_and_the_gap_analysis(app):
    from register.gap.models import maturity_scale
    from register.requirements.models import MATURITY_SCALE

    with app.test_request_context():
        assert {level: str(name) for level, name, _meaning in maturity_scale()} == {
            level: str(name) for level, (name, _meaning) in MATURITY_SCALE.items()}
