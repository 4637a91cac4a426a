"""Load catalogues and mappings from data files, idempotently.

Loading the same file twice changes nothing; loading a newer version updates texts, adds new
requirements and marks vanished ones retired. Requirements are matched by (catalogue code, ref) and
keep their ids, so the municipality's statuses, links and notes (stored against those ids) survive.
"""
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import sqlalchemy as sa

from register.catalogs import ciso_assistant
from register.catalogs.catalog_data import REF_PATTERN, CatalogData, CatalogFileError, RequirementData, search_text
from register.catalogs.models import Catalog, MappingRelation, Requirement, RequirementMapping
from register.extensions import db

CATALOG_FORMAT = "register-catalog/1"
MAPPINGS_FORMAT = "register-mappings/1"


@dataclass
class LoadResult:
    code: str
    version: str
    created: int = 0
    updated: int = 0
    retired: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        return (f"{self.code} {self.version}: {self.created} new, {self.updated} updated, "
                f"{self.retired} retired, {self.unchanged} unchanged")


@dataclass
class MappingResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)


# The schema of our own formats: the keys each kind of mapping may hold. A key outside it is refused rather
# than ignored: an unquoted comma in a flow mapping ({da: Sikker anskaffelse, udvikling ...}) cuts a title and
# turns the rest into a stray key, and only a strict loader notices.
CATALOG_KEYS = frozenset({"format", "code", "version", "sort_order", "title", "description", "source_url",
                          "licence", "requirements"})
REQUIREMENT_KEYS = frozenset({"ref", "display_ref", "kind", "title", "text", "source_ref", "source_url",
                              "national_basis", "note", "attributes", "children"})
LANG_KEYS = frozenset({"da", "en"})
MAPPINGS_KEYS = frozenset({"format", "mappings"})
MAPPING_KEYS = frozenset({"from", "to", "relation", "note"})


def check_keys(node: dict, allowed: frozenset, source: str, where: str) -> None:
    """Refuse a key the schema does not know, naming it and the line it is written on."""
    for key in node:
        if key not in allowed:
            lines = getattr(node, "key_lines", None) or {}
            line = lines.get(key, getattr(node, "line", None))
            known = ", ".join(sorted(allowed))
            raise CatalogFileError(f"ukendt nøgle {str(key)!r} i {where} (tilladt: {known}); "
                                   "er der et komma i en tekst uden anførselstegn?", line, source)


def _text(node: dict, key: str, source: str, required: bool = False, max_len: int | None = None) -> str | None:
    value = node.get(key)
    if value is None:
        if required:
            raise CatalogFileError(f"feltet '{key}' mangler", getattr(node, "line", None), source)
        return None
    if not isinstance(value, (str, int, float)):
        raise CatalogFileError(f"feltet '{key}' skal være tekst", getattr(node, "line", None), source)
    value = str(value).strip()
    if max_len and len(value) > max_len:
        raise CatalogFileError(f"feltet '{key}' er længere end {max_len} tegn", getattr(node, "line", None), source)
    return value or None


def _lang(node: dict, key: str, source: str, required: bool = False, max_len: int | None = None) -> tuple:
    """A {da, en} pair; a plain string counts as Danish."""
    value = node.get(key)
    if isinstance(value, dict):
        check_keys(value, LANG_KEYS, source, f"'{key}'")
        da = _text(value, "da", source, required, max_len)
        return da, _text(value, "en", source, False, max_len)
    return _text(node, key, source, required, max_len), None


def parse_catalog(doc, source: str) -> CatalogData:
    """Validate a catalogue document and flatten its tree in catalogue order."""
    if not isinstance(doc, dict):
        raise CatalogFileError("filen skal indeholde et katalog (en YAML-mapping)", 1, source)
    if doc.get("format") != CATALOG_FORMAT:
        raise CatalogFileError(f"ukendt format {doc.get('format')!r}; forventede '{CATALOG_FORMAT}'",
                               getattr(doc, "line", 1), source)
    check_keys(doc, CATALOG_KEYS, source, "kataloget")
    code = _text(doc, "code", source, required=True, max_len=64)
    if not REF_PATTERN.match(code):
        raise CatalogFileError(f"ugyldig katalogkode {code!r}", doc.line, source)
    title_da, title_en = _lang(doc, "title", source, required=True, max_len=300)
    desc_da, desc_en = _lang(doc, "description", source)
    sort_order = doc.get("sort_order", 100)
    if not isinstance(sort_order, int):
        raise CatalogFileError("'sort_order' skal være et heltal", doc.line, source)
    fields = {
        "version": _text(doc, "version", source, required=True, max_len=64),
        "title_da": title_da, "title_en": title_en,
        "description_da": desc_da, "description_en": desc_en,
        "source_url": _text(doc, "source_url", source, max_len=500),
        "licence": _text(doc, "licence", source),
        "sort_order": sort_order,
    }
    items = doc.get("requirements")
    if not isinstance(items, list) or not items:
        raise CatalogFileError("'requirements' skal være en ikke-tom liste", doc.line, source)

    out: list[RequirementData] = []
    seen: dict[str, int] = {}

    def walk(nodes, depth, parent_ref):
        for node in nodes:
            if not isinstance(node, dict):
                raise CatalogFileError("hvert krav skal være en mapping med 'ref' og 'title'", None, source)
            check_keys(node, REQUIREMENT_KEYS, source, "et krav")
            ref = _text(node, "ref", source, required=True, max_len=64)
            if not REF_PATTERN.match(ref):
                raise CatalogFileError(f"ugyldig ref {ref!r} (brug bogstaver, tal, punktum, bindestreg, parenteser)",
                                       node.line, source)
            if ref in seen:
                raise CatalogFileError(f"ref {ref!r} findes allerede (linje {seen[ref]})", node.line, source)
            seen[ref] = node.line
            t_da, t_en = _lang(node, "title", source, required=True, max_len=500)
            x_da, x_en = _lang(node, "text", source)
            attrs = node.get("attributes") or {}
            if not isinstance(attrs, dict):
                raise CatalogFileError("'attributes' skal være en mapping", node.line, source)
            display_ref = _text(node, "display_ref", source, max_len=64) or ref
            req_fields = {
                "kind": _text(node, "kind", source, max_len=40) or "requirement",
                "title_da": t_da, "title_en": t_en, "text_da": x_da, "text_en": x_en,
                "source_ref": _text(node, "source_ref", source, max_len=300),
                "source_url": _text(node, "source_url", source, max_len=500),
                "national_basis": _text(node, "national_basis", source, max_len=300),
                "note": _text(node, "note", source),
                "attributes": dict(attrs),
            }
            req_fields["search_text"] = search_text(
                code, ref, display_ref, t_da, t_en, x_da, x_en, req_fields["source_ref"], req_fields["national_basis"])
            out.append(RequirementData(ref, display_ref, depth, len(out), parent_ref, req_fields))
            children = node.get("children") or []
            if not isinstance(children, list):
                raise CatalogFileError("'children' skal være en liste", node.line, source)
            walk(children, depth + 1, ref)

    walk(items, 0, None)
    return CatalogData(code, fields, out)


def _assign(obj, values: dict) -> bool:
    """Set only what differs, so an identical reload leaves no history behind."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def upsert_catalog(data: CatalogData) -> LoadResult:
    """Create or update a catalogue and its requirements (flushes; the caller commits)."""
    session = db.session
    catalog = session.execute(sa.select(Catalog).where(Catalog.code == data.code)).scalar_one_or_none()
    if catalog is None:
        catalog = Catalog(code=data.code, **data.fields)
        session.add(catalog)
        session.flush()
    else:
        _assign(catalog, data.fields)
    result = LoadResult(data.code, data.fields["version"])
    existing = {r.ref: r for r in session.execute(
        sa.select(Requirement).where(Requirement.catalog_id == catalog.id)).scalars()}

    # Parents are flushed before their children so that parent ids exist; one flush per tree level.
    for depth in sorted({r.depth for r in data.requirements}):
        for item in (r for r in data.requirements if r.depth == depth):
            values = {**item.fields, "display_ref": item.display_ref, "depth": item.depth,
                      "position": item.position, "retired": False,
                      "parent_id": existing[item.parent_ref].id if item.parent_ref else None}
            req = existing.get(item.ref)
            if req is None:
                req = Requirement(catalog_id=catalog.id, ref=item.ref, **values)
                session.add(req)
                existing[item.ref] = req
                result.created += 1
            elif _assign(req, values):
                result.updated += 1
            else:
                result.unchanged += 1
        session.flush()

    in_file = {r.ref for r in data.requirements}
    for ref, req in existing.items():
        if ref not in in_file and not req.retired:
            req.retired = True
            result.retired += 1
    # A group moved to another area takes its descendants along (parents come first in depth order).
    by_id = {req.id: req for req in existing.values()}
    for req in sorted(existing.values(), key=lambda r: r.depth):
        parent = by_id.get(req.parent_id)
        area = (parent.area_id or parent.id) if parent else None
        if req.area_id != area:
            req.area_id = area
    session.flush()
    return result


def parse_mappings(doc, source: str) -> list[dict]:
    if not isinstance(doc, dict) or doc.get("format") != MAPPINGS_FORMAT:
        raise CatalogFileError(f"forventede format '{MAPPINGS_FORMAT}'", 1, source)
    check_keys(doc, MAPPINGS_KEYS, source, "koblingsfilen")
    items = doc.get("mappings")
    if not isinstance(items, list):
        raise CatalogFileError("'mappings' skal være en liste", doc.line, source)
    out = []
    for node in items:
        if not isinstance(node, dict):
            raise CatalogFileError("hver kobling skal være en mapping med 'from' og 'to'", None, source)
        check_keys(node, MAPPING_KEYS, source, "en kobling")
        relation = _text(node, "relation", source) or "related"
        try:
            relation = MappingRelation(relation)
        except ValueError:
            raise CatalogFileError(f"ukendt relation {relation!r}", node.line, source) from None
        out.append({"from": _text(node, "from", source, required=True), "to": _text(node, "to", source, required=True),
                    "relation": relation, "note": _text(node, "note", source), "line": node.line})
    return out


def upsert_mappings(items: list[dict], source: str) -> MappingResult:
    """Create or update mappings; every reference must name an existing requirement."""
    rows = db.session.execute(sa.select(Requirement.id, Catalog.code, Requirement.ref).join(Catalog)).all()
    by_ref = {f"{code}:{ref}": rid for rid, code, ref in rows}
    existing = {(m.source_id, m.target_id): m for m in db.session.execute(sa.select(RequirementMapping)).scalars()}
    result = MappingResult()
    for item in items:
        ids = []
        for key in ("from", "to"):
            rid = by_ref.get(item[key])
            if rid is None:
                raise CatalogFileError(f"kravet {item[key]!r} findes ikke", item["line"], source)
            ids.append(rid)
        mapping = existing.get(tuple(ids))
        values = {"relation": item["relation"], "note": item["note"]}
        if mapping is None:
            mapping = RequirementMapping(source_id=ids[0], target_id=ids[1], **values)
            db.session.add(mapping)
            existing[tuple(ids)] = mapping
            result.created += 1
        elif _assign(mapping, values):
            result.updated += 1
        else:
            result.unchanged += 1
    db.session.flush()
    return result


def shipped_files() -> list[Path]:
    """The catalogue files that ship with the product, catalogues before mappings."""
    folder = Path(str(resources.files("register.catalogs") / "data"))
    files = sorted(folder.glob("*.yaml"))
    return sorted(files, key=lambda p: (p.name.startswith("mappings"), p.name))


def load_text(text: str, source: str) -> LoadResult | MappingResult:
    """Load one catalogue (ours or a CISO Assistant library) or mappings document (flushes; caller commits)."""
    # PyYAML is imported only when a file is read (the CLI, an upload), not by every web worker
    from register.catalogs.yaml_text import parse_yaml

    doc = parse_yaml(text, source)  # nesting is bounded there, so the walks below cannot exhaust the stack
    if isinstance(doc, dict) and doc.get("format") == MAPPINGS_FORMAT:
        return upsert_mappings(parse_mappings(doc, source), source)
    if ciso_assistant.is_library(doc):
        return upsert_catalog(ciso_assistant.parse_library(doc, source))
    return upsert_catalog(parse_catalog(doc, source))


def load_file(path: Path) -> LoadResult | MappingResult:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogFileError(f"filen kan ikke læses: {exc}", None, str(path)) from exc
    return load_text(text, Path(path).name)


def load_shipped() -> list[LoadResult | MappingResult]:
    return [load_file(path) for path in shipped_files()]


def catalog_summaries() -> list[tuple[Catalog, int]]:
    """Each catalogue with its number of current (not retired) requirements, in one query."""
    count = sa.func.count(Requirement.id).filter(Requirement.retired.is_(False))
    rows = db.session.execute(
        sa.select(Catalog, count).outerjoin(Requirement, Requirement.catalog_id == Catalog.id)
        .group_by(Catalog.id).order_by(Catalog.sort_order, Catalog.code)
    ).all()
    return [(catalog, n) for catalog, n in rows]
