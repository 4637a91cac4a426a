"""The register's select widget writes the same HTML as WTForms' own, only faster."""
import wtforms
from hypothesis import given, settings
from hypothesis import strategies as st
from wtforms import Form, SelectChoice
from werkzeug.datastructures import MultiDict

from register.core.forms import SelectField, SelectMultipleField, _plain_options

texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)


def _pair(ours, theirs, choices, data, **options):
    class Ours(Form):
        field = ours(choices=choices, **options)

    class Theirs(Form):
        field = theirs(choices=choices, **options)

    formdata = MultiDict([("field", value) for value in data]) if data else None
    return Ours(formdata).field, Theirs(formdata).field


@settings(max_examples=150, deadline=None)
@given(choices=st.lists(st.tuples(texts, texts), max_size=6, unique_by=lambda c: c[0]),
       picked=st.lists(st.integers(0, 5), max_size=3))
def test_the_select_writes_what_wtforms_writes(choices, picked):
    data = [choices[i][0] for i in picked if i < len(choices)]
    choices = [SelectChoice(value, label) for value, label in choices]
    ours, theirs = _pair(SelectField, wtforms.SelectField, choices, data[:1])
    assert _plain_options(ours) is not None  # written by the register's own loop
    assert ours() == theirs() and ours(class_="form-select", required=True) == theirs(class_="form-select", required=True)
    ours, theirs = _pair(SelectMultipleField, wtforms.SelectMultipleField, choices, data)
    assert ours(size=4) == theirs(size=4)
    # a required field (flags.required, from its validator) and choices given as a function
    ours, theirs = _pair(SelectField, wtforms.SelectField, lambda: choices, data[:1],
                         validators=[wtforms.validators.InputRequired()])
    assert ours(id="valg") == theirs(id="valg")


@settings(max_examples=50, deadline=None)
@given(values=st.lists(st.integers(-3, 30), max_size=6, unique=True), picked=st.lists(st.integers(-3, 30), max_size=3))
def test_the_select_marks_the_chosen_options_as_wtforms_does_after_coercion(values, picked):
    choices = [SelectChoice(str(value), f"Nr. {value}") for value in values]
    data = [str(value) for value in picked]
    ours, theirs = _pair(SelectField, wtforms.SelectField, choices, data[:1], coerce=int)
    assert ours() == theirs()
    ours, theirs = _pair(SelectMultipleField, wtforms.SelectMultipleField, choices, data, coerce=int)
    assert ours() == theirs()


def test_options_with_their_own_attributes_booleans_and_groups_are_written_as_wtforms_does():
    choices = [SelectChoice("a", "<A & B>", render_kw={"disabled": True}), SelectChoice(True, "Ja"),
               SelectChoice("", ""), SelectChoice("x", "X", optgroup="Gruppe \"1\"")]
    ours, theirs = _pair(SelectField, wtforms.SelectField, choices, ["True"])
    assert ours() == theirs()
    assert '<option disabled value="a">&lt;A &amp; B&gt;</option>' in ours()
