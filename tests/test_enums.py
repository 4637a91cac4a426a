"""Labelled enums: the value is what the database stores; each member carries its lazy label and badge tone."""
import sqlalchemy as sa
from flask import session
from flask_babel.speaklater import LazyString

from register.core.enums import LabelledEnum
from register.extensions import db
from register.gap.models import Priority
from register.organisation.models import Unit, UnitKind

TONES = {"info", "success", "warning", "error", "neutral"}


def test_every_member_has_a_lazy_label_and_a_known_tone(app):
    enums = LabelledEnum.__subclasses__()
    assert len(enums) > 30  # the app's models and services are imported by create_app
    for enum_cls in enums:
        for member in enum_cls:
            # a plain string would be translated once, at import, in no one's language
            assert isinstance(member._label, LazyString), member
            assert member.tone in TONES, member


def test_the_value_is_the_plain_string_stored_and_looked_up(app):
    assert Priority("1") is Priority.P1 and Priority.P1 == "1"
    assert (str(Priority.P1), f"{Priority.P1}", Priority.P1.value) == ("1", "1", "1")
    assert (Priority.P1.tone, UnitKind.DEPARTMENT.tone) == ("error", "neutral")  # "neutral" unless named
    with app.app_context():
        db.session.add(Unit(name="Afdeling", kind=UnitKind.DEPARTMENT))
        db.session.commit()
        assert db.session.execute(sa.text("SELECT kind FROM unit")).scalar_one() == "department"
        assert db.session.execute(sa.select(Unit.kind)).scalar_one() is UnitKind.DEPARTMENT


def test_labels_and_choices_are_in_the_readers_language(app):
    with app.test_request_context("/"):
        assert Priority.P1.label == "1 – straks"
        assert [(c.value, c.label) for c in Priority.choices()][:2] == [("1", "1 – straks"), ("2", "2 – høj")]
    with app.test_request_context("/"):
        session["language"] = "en"
        assert Priority.P1.label == Priority.choices()[0].label == "1 – immediate"
