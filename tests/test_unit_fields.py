"""Forms that name units (and an exercise's sub-plans): one made inactive stays on the records that name it
when they are saved again.

A select offers the active units. Before, a record whose unit had since been made inactive showed no unit
selected, and saving it (to change a status, say) cleared the unit without a word.
"""
import re

import sqlalchemy as sa

from register.extensions import db
from register.organisation.models import Unit
from register.preparedness.models import Exercise, ExerciseUnit
from register.requirements.models import ImplementationStatus

from conftest import html
from test_preparedness_exercises import exercise_form
from requirement_helpers import assess, assessment, req_id
from test_requirements import _form as assessment_form


def deactivate(app, unit_id):
    with app.app_context():
        db.session.get(Unit, unit_id).active = False
        db.session.commit()


def options(page: str, name: str) -> list[tuple[bool, str, str]]:
    """(selected, value, label) of each option of the select `name`."""
    select = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)
    return [(bool(selected), value, label.strip("\u2003"))
            for selected, value, label in re.findall(r'<option (selected )?value="([^"]*)">([^<]*)</option>', select)]


def test_a_status_save_keeps_a_responsible_unit_made_inactive_since(app, client, login, catalogs, make_unit):
    old, current = make_unit(name="Gammel enhed"), make_unit(name="Digitalisering")
    assess(app, "nis2:21.2.d", status=ImplementationStatus.PARTLY, responsible_unit_id=old)
    deactivate(app, old)
    rid = req_id(app, "nis2:21.2.d")
    login("security")
    offered = options(html(client.get(f"/krav/{rid}/vurdering")), "responsible_unit_id")
    assert offered == [(False, "", "—"), (False, str(current), "Digitalisering"),
                       (True, str(old), "Gammel enhed (inaktiv)")]
    response = client.post(f"/krav/{rid}/vurdering", data=assessment_form(
        status="implemented", responsible_unit_id=str(old), version="1"))
    assert response.status_code == 302
    saved = assessment(app, "nis2:21.2.d")
    assert (saved.status, saved.responsible_unit_id) == (ImplementationStatus.IMPLEMENTED, old)
    # Another record cannot be given the inactive unit, and a forged choice changes nothing.
    other = req_id(app, "nis2:21.2.e")
    assert "Gammel enhed" not in html(client.get(f"/krav/{other}/vurdering"))
    response = client.post(f"/krav/{other}/vurdering", data=assessment_form(responsible_unit_id=str(old)))
    assert response.status_code == 422 and "Ikke et gyldigt valg" in html(response)
    assert assessment(app, "nis2:21.2.e") is None
    # Moving the requirement to an active unit is a change, checked against the active units, and allowed.
    response = client.post(f"/krav/{rid}/vurdering", data=assessment_form(
        status="implemented", responsible_unit_id=str(current), version="2"))
    assert response.status_code == 302 and assessment(app, "nis2:21.2.d").responsible_unit_id == current
    assert "Gammel enhed" not in html(client.get(f"/krav/{rid}/vurdering"))  # no longer this record's


def test_a_save_with_the_unit_unchanged_reads_no_units(app, client, login, catalogs, make_unit, count_queries):
    """Every save changes the data and so forgets the units kept for the form; a save that keeps its unit
    does not need them (one statement of a status save's seven on PostgreSQL)."""
    unit = make_unit(name="Digitalisering")
    assess(app, "nis2:21.2.d", status=ImplementationStatus.PARTLY, responsible_unit_id=unit)
    rid = req_id(app, "nis2:21.2.d")
    login("security")
    with count_queries() as kept:
        assert client.post(f"/krav/{rid}/vurdering", data=assessment_form(
            status="implemented", responsible_unit_id=str(unit), version="1")).status_code == 302
    with count_queries() as moved:
        assert client.post(f"/krav/{rid}/vurdering", data=assessment_form(
            status="planned", responsible_unit_id="", version="2")).status_code == 302
    reads_units = [s for s in kept.statements if re.search(r"\bFROM unit\b", s)]
    assert reads_units == [], reads_units
    assert [s for s in moved.statements if re.search(r"\bFROM unit\b", s)]  # a change is checked


def test_an_exercise_keeps_a_participating_unit_made_inactive_since(app, client, login, make_unit):
    old, current = make_unit(name="Gammel enhed"), make_unit(name="Kommunikation")
    login("preparedness")
    response = client.post("/oevelser/ny", data=exercise_form(
        planned_on="2027-03-01", unit_ids=[str(old), str(current)], responsible_unit_id=str(old)))
    assert response.status_code == 302
    with app.app_context():
        exercise_id = db.session.execute(sa.select(Exercise.id)).scalar_one()
    deactivate(app, old)
    page = html(client.get(f"/oevelser/{exercise_id}/rediger"))
    assert (True, str(old), "Gammel enhed (inaktiv)") in options(page, "unit_ids")
    assert (True, str(old), "Gammel enhed (inaktiv)") in options(page, "responsible_unit_id")
    response = client.post(f"/oevelser/{exercise_id}/rediger", data=exercise_form(
        title="Omdøbt øvelse", planned_on="2027-03-01", unit_ids=[str(old), str(current)],
        responsible_unit_id=str(old), version="1"))
    assert response.status_code == 302, html(response)
    with app.app_context():
        exercise = db.session.get(Exercise, exercise_id)
        assert (exercise.title, exercise.responsible_unit_id) == ("Omdøbt øvelse", old)
        assert sorted(u for (u,) in db.session.execute(sa.select(ExerciseUnit.unit_id))) == sorted([old, current])
    # A new exercise is offered the active units only.
    new = options(html(client.get("/oevelser/ny")), "unit_ids")
    assert [label for _selected, _value, label in new] == ["Kommunikation"]


def test_every_form_naming_one_unit_offers_its_own_inactive_unit(app, client, login, make_unit):
    """The unit's own form (its parent), as one more of the eleven forms that use the field."""
    parent = make_unit(name="Gammel forvaltning")
    child = make_unit(name="Team", parent_id=parent)
    deactivate(app, parent)
    login("admin")
    offered = options(html(client.get(f"/organisation/{child}/rediger")), "parent_id")
    assert (True, str(parent), "Gammel forvaltning (inaktiv)") in offered


def test_an_exercise_keeps_its_link_to_a_sub_plan_made_inactive_since(app, client, login, make_unit):
    from register.preparedness.models import ExerciseSubPlan, SubPlan, SubPlanKind

    unit = make_unit(name="IT-drift")
    with app.app_context():
        old = SubPlan(title="Nedlagt delplan", kind=SubPlanKind.DELPLAN, unit_id=unit)
        current = SubPlan(title="Net", kind=SubPlanKind.DELPLAN, unit_id=unit)
        db.session.add_all([old, current])
        db.session.commit()
        old_id, current_id = old.id, current.id
    login("preparedness")
    assert client.post("/oevelser/ny", data=exercise_form(
        planned_on="2027-03-01", sub_plan_ids=[str(old_id), str(current_id)])).status_code == 302
    with app.app_context():
        exercise_id = db.session.execute(sa.select(Exercise.id)).scalar_one()
        db.session.get(SubPlan, old_id).active = False
        db.session.commit()
    offered = options(html(client.get(f"/oevelser/{exercise_id}/rediger")), "sub_plan_ids")
    assert offered == [(True, str(current_id), "Net (IT-drift)"),
                       (True, str(old_id), "Nedlagt delplan (IT-drift) (inaktiv)")]
    assert client.post(f"/oevelser/{exercise_id}/rediger", data=exercise_form(
        title="Omdøbt", planned_on="2027-03-01", sub_plan_ids=[str(old_id), str(current_id)],
        version="1")).status_code == 302
    with app.app_context():
        linked = db.session.execute(sa.select(ExerciseSubPlan.sub_plan_id)).scalars()
        assert sorted(linked) == sorted([old_id, current_id])
    assert "Nedlagt delplan" not in html(client.get("/oevelser/ny"))


def test_select_options_are_written_as_wtforms_writes_them(app):
    """The register's selects write plain options themselves (for speed): the same markup as WTForms', with the
    value and the label escaped, the chosen ones selected, groups and options with attributes left to WTForms."""
    import wtforms
    from wtforms import SelectChoice

    from register.core.forms import LocalizedForm, SelectField, SelectMultipleField

    choices = [SelectChoice("1", "Skoler & <Dagtilbud>"), SelectChoice('2"', "Vej"),
               SelectChoice("3", "Låst", render_kw={"disabled": True})]
    grouped = [SelectChoice("1", "A", optgroup="Katalog <1>"), SelectChoice("2", "B", optgroup="Katalog <1>")]

    def forms(single, multiple):
        class Ours(LocalizedForm):
            one = single(choices=choices)
            many = multiple(choices=grouped)

        return Ours

    with app.test_request_context():
        ours = forms(SelectField, SelectMultipleField)(meta={"csrf": False}, formdata=None, data={"one": '2"',
                                                                                                   "many": ["2"]})
        theirs = forms(wtforms.SelectField, wtforms.SelectMultipleField)(meta={"csrf": False}, formdata=None,
                                                                         data={"one": '2"', "many": ["2"]})
        assert str(ours.one()) == str(theirs.one())
        assert '<option value="1">Skoler &amp; &lt;Dagtilbud&gt;</option>' in str(ours.one())
        assert '<option selected value="2&#34;">Vej</option>' in str(ours.one())
        assert str(ours.many()) == str(theirs.many()) and "<option selected value=\"2\">B</option>" in str(ours.many())
