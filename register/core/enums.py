"""Enums whose members carry a translatable Danish label, shown as badge text."""
import enum

from flask import has_app_context
from wtforms import SelectChoice

from register.core.i18n import language, lazy_gettext as _l

# (enum class, value, language) -> label. Translations do not change while the process runs.
_LABELS: dict = {}
_TONES: dict = {}  # (enum class, value) -> tone
# Keys use `_value_`, the member's plain attribute: `.value` goes through enum's property, which a list asking
# for a badge per row paid for on every call (as for building the tone map each time).


class LabelledEnum(str, enum.Enum):
    """A string enum with a human label; subclasses define `_labels` as {value: lazy string}."""

    @classmethod
    def _label_map(cls) -> dict:
        return {}

    @property
    def label(self) -> str:
        if not has_app_context():
            return str(self._label_map().get(self.value, self.value))
        # Translating is slow (~0.1 ms) and a long list shows the same few labels thousands of times.
        key = (type(self), self._value_, language())
        try:
            return _LABELS[key]
        except KeyError:
            label = _LABELS[key] = str(self._label_map().get(self.value, self.value))
            return label

    @property
    def tone(self) -> str:
        """Badge tone: info, success, warning, error or neutral (always paired with the text)."""
        key = (type(self), self._value_)
        try:
            return _TONES[key]
        except KeyError:
            tone = _TONES[key] = self._tone_map().get(self._value_, "neutral")
            return tone

    @classmethod
    def _tone_map(cls) -> dict:
        return {}

    @classmethod
    def choices(cls) -> list[SelectChoice]:
        return [SelectChoice(m.value, m.label) for m in cls]

    def __str__(self) -> str:
        return self.value


class Action(LabelledEnum):
    """What happened to a record in the change history."""

    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"

    @classmethod
    def _label_map(cls):
        return {"insert": _l("Oprettet"), "update": _l("Ændret"), "delete": _l("Slettet")}
