"""Catalogue files as YAML: a safe loader that remembers line numbers for error messages and refuses aliases."""
import yaml

from register.catalogs.catalog_data import CatalogFileError


class _LineDict(dict):
    line: int | None = None
    key_lines: dict | None = None  # the line each key is written on, for "unknown key" messages


MAX_DEPTH = 64  # nesting of mappings and lists; real catalogues nest fewer than ten levels
MAX_TEXT = 10 * 1024 * 1024  # characters of one uploaded catalogue file


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader that remembers the line each mapping starts on, for error messages.

    Aliases (*name) are refused: a few nested ones make a "billion laughs" document that costs nothing to load
    but exponential time to walk, and no catalogue needs them. Nesting is bounded so that a document of ten
    thousand brackets cannot exhaust the stack."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise CatalogFileError("filen bruger YAML-aliaser (*navn), som en katalogfil ikke må indeholde",
                                   mark.line + 1)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise CatalogFileError(f"filen er indlejret for dybt (mere end {MAX_DEPTH} niveauer)",
                                       self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _construct_map(loader: _LineLoader, node):
    mapping = _LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    yield mapping
    for key_node, _value in node.value:
        mapping.key_lines.setdefault(getattr(key_node, "value", None), key_node.start_mark.line + 1)
    mapping.update(loader.construct_mapping(node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)


def parse_yaml(text: str, source: str):
    if len(text) > MAX_TEXT:
        raise CatalogFileError(f"filen er større end {MAX_TEXT // (1024 * 1024)} MB; del den op", None, source)
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except CatalogFileError as exc:
        raise CatalogFileError(exc.reason, exc.line, source) from exc
    except yaml.reader.ReaderError as exc:
        raise CatalogFileError(f"filen indeholder et styretegn (kode {exc.character!r}), som YAML ikke tillader, "
                               f"ved tegn nr. {exc.position}", None, source) from exc
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise CatalogFileError(f"ugyldig YAML: {exc.problem}", line, source) from exc
    except yaml.YAMLError as exc:
        raise CatalogFileError(f"ugyldig YAML: {exc}", None, source) from exc
