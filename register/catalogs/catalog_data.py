"""A catalogue as read from a file, before it is stored: what both file formats (ours and CISO Assistant's)
are parsed into."""
import re
from dataclasses import dataclass

REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._()\-]{0,63}$")


class CatalogFileError(ValueError):
    """A malformed catalogue file: says where (line) and why."""

    def __init__(self, message: str, line: int | None = None, source: str | None = None):
        self.line, self.source, self.reason = line, source, message
        where = f"{source}: " if source else ""
        where += f"linje {line}: " if line else ""
        super().__init__(where + message)


@dataclass
class RequirementData:
    ref: str
    display_ref: str
    depth: int
    position: int
    parent_ref: str | None
    fields: dict


@dataclass
class CatalogData:
    code: str
    fields: dict
    requirements: list[RequirementData]


def search_text(*parts) -> str:
    """Lower-case haystack for search, with both ways people write references (21.2.d and 21(2)(d))."""
    text = " ".join(p for p in parts if p)
    return text.lower()
