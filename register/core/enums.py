"""Enums whose members carry a translatable Danish label, shown as badge text."""
import enum

from wtforms import SelectChoice

from register.core.i18n import lazy_gettext as _l


class LabelledEnum(enum.StrEnum):
    """A string enum whose members name their label and badge tone: `OPEN = "open", _l("Åben"), "warning"`.

    The value alone is what the database stores; the label is a lazy string, translated when it is shown.
    """

    def __new__(cls, value: str, label, tone: str = "neutral"):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label
        member._tone = tone
        return member

    @property
    def label(self) -> str:
        return str(self._label)

    @property
    def tone(self) -> str:
        """Badge tone: info, success, warning, error or neutral (always paired with the text)."""
        return self._tone

    @classmethod
    def labels(cls) -> dict:
        """Every member's label, translated now: for labelling hundreds of rows, where each `label` would
        look up the translation again."""
        return {m: m.label for m in cls}

    @classmethod
    def choices(cls) -> list[SelectChoice]:
        return [SelectChoice(m.value, m.label) for m in cls]


class Action(LabelledEnum):
    """What happened to a record in the change history."""

    INSERT = "insert", _l("Oprettet")
    UPDATE = "update", _l("Ændret")
    DELETE = "delete", _l("Slettet")
