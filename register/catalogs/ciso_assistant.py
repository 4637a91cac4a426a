"""Read a CISO Assistant library (YAML) into CatalogData, so it loads with the same idempotence rules.

A library has a `urn`, `version`, `locale`, `name`, and `objects: framework:` with `requirement_nodes`, each
with a `urn`, optional `ref_id`, `name`, `description`, `annotation`, `depth`, `parent_urn` and
`assessable`. Nodes are matched across reloads by their URN: the requirement's ref is derived from it.
"""
import hashlib
import re

from register.catalogs.catalog_data import REF_PATTERN, CatalogData, CatalogFileError, RequirementData, search_text

LIBRARY_PREFIX = "urn:intuitem:risk:library:"


def is_library(doc) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("urn"), str) and isinstance(doc.get("objects"), dict)


def _str(node: dict, key: str) -> str | None:
    value = node.get(key)
    if value is None:
        return None
    if not isinstance(value, (str, int, float)):
        raise CatalogFileError(f"feltet '{key}' skal være tekst", getattr(node, "line", None))
    return str(value).strip() or None


def _safe(text: str, max_len: int = 64) -> str:
    """A valid, stable ref from any text: unsafe characters become '-', long ones get a hash suffix."""
    ref = re.sub(r"[^A-Za-z0-9._()\-]+", "-", text).strip("-.") or "x"
    if not ref[0].isalnum():
        ref = "x" + ref
    if len(ref) > max_len:
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]
        ref = ref[: max_len - 11] + "-" + digest
    return ref


def _cut(text: str | None, max_len: int) -> str | None:
    if text is None or len(text) <= max_len:
        return text
    return text[: max_len - 1].rstrip() + "…"


def _translation(node: dict, lang: str, key: str) -> str | None:
    translations = node.get("translations")
    if isinstance(translations, dict) and isinstance(translations.get(lang), dict):
        return _str(translations[lang], key)
    return None


def _pair(node: dict, key: str, locale: str) -> tuple[str | None, str | None]:
    """(Danish, English) for a field: the file's own language plus its translations."""
    own = _str(node, key)
    da = own if locale == "da" else _translation(node, "da", key)
    en = own if locale == "en" else _translation(node, "en", key)
    # The catalogue needs a Danish-slot text: fall back to the file's own language.
    return da or own or en, en


def parse_library(doc: dict, source: str) -> CatalogData:
    """Validate a CISO Assistant library and flatten its framework's requirement tree."""
    try:
        return _parse(doc, source)
    except CatalogFileError as exc:
        if exc.source is None:
            raise CatalogFileError(exc.reason, exc.line, source) from exc
        raise


def _parse(doc: dict, source: str) -> CatalogData:
    urn = _str(doc, "urn") or ""
    if not urn.startswith(LIBRARY_PREFIX):
        raise CatalogFileError(f"'urn' skal begynde med '{LIBRARY_PREFIX}'", getattr(doc, "line", 1), source)
    locale = (_str(doc, "locale") or "en").lower()[:2]
    framework = doc["objects"].get("framework")
    if not isinstance(framework, dict):
        raise CatalogFileError("biblioteket indeholder intet framework ('objects: framework:')",
                               getattr(doc["objects"], "line", None), source)
    nodes = framework.get("requirement_nodes")
    if not isinstance(nodes, list) or not nodes:
        raise CatalogFileError("'requirement_nodes' skal være en ikke-tom liste", getattr(framework, "line", None),
                               source)
    code = _safe(urn[len(LIBRARY_PREFIX):])
    version = _str(doc, "version")
    if version is None:
        raise CatalogFileError("feltet 'version' mangler", getattr(doc, "line", 1), source)
    title_da, title_en = _pair(framework, "name", locale)
    if not title_da:
        title_da, title_en = _pair(doc, "name", locale)
    if not title_da:
        raise CatalogFileError("frameworket skal have et 'name'", getattr(framework, "line", None), source)
    desc_da, desc_en = _pair(framework, "description", locale)
    fields = {
        "version": _cut(version, 64),
        "title_da": _cut(title_da, 300), "title_en": _cut(title_en, 300),
        "description_da": desc_da, "description_en": desc_en,
        "source_url": None,
        "licence": _str(doc, "copyright"),
        "sort_order": 100,
    }

    node_prefix = (_str(framework, "urn") or "").replace(":framework:", ":req_node:") + ":"
    out: list[RequirementData] = []
    by_urn: dict[str, tuple[str, int, int]] = {}  # urn -> (ref, depth, line)
    refs: dict[str, int] = {}
    for node in nodes:
        line = getattr(node, "line", None)
        if not isinstance(node, dict):
            raise CatalogFileError("hvert element i 'requirement_nodes' skal være en mapping", line, source)
        node_urn = _str(node, "urn")
        if not node_urn:
            raise CatalogFileError("feltet 'urn' mangler", line, source)
        if node_urn in by_urn:
            raise CatalogFileError(f"urn {node_urn!r} findes allerede (linje {by_urn[node_urn][2]})", line, source)
        parent_urn = _str(node, "parent_urn")
        if parent_urn and parent_urn not in by_urn:
            raise CatalogFileError(f"parent_urn {parent_urn!r} er ikke defineret før denne node", line, source)
        ref = _safe(node_urn[len(node_prefix):] if node_urn.startswith(node_prefix) else node_urn)
        if ref in refs or not REF_PATTERN.match(ref):
            ref = _safe(ref + "-" + hashlib.sha1(node_urn.encode("utf-8")).hexdigest()[:8])
        refs[ref] = line
        ref_id = _str(node, "ref_id")
        name_da, name_en = _pair(node, "name", locale)
        text_da, text_en = _pair(node, "description", locale)
        note_da, note_en = _pair(node, "annotation", locale)
        title_da = name_da or _cut(text_da, 200) or ref_id
        if not title_da:
            raise CatalogFileError("noden skal have 'name', 'description' eller 'ref_id'", line, source)
        title_en = name_en or _cut(text_en, 200)
        if note_da:
            text_da = f"{text_da}\n\n{note_da}" if text_da else note_da
        if note_en:
            text_en = f"{text_en}\n\n{note_en}" if text_en else note_en
        parent = by_urn.get(parent_urn) if parent_urn else None
        depth = parent[1] + 1 if parent else 0
        display_ref = _cut(ref_id, 64) or ""
        attributes = {"urn": node_urn}
        if isinstance(node.get("assessable"), bool):
            attributes["assessable"] = node["assessable"]
        req_fields = {
            "kind": "requirement" if node.get("assessable") else "heading",
            "title_da": _cut(title_da, 500), "title_en": _cut(title_en, 500),
            "text_da": text_da, "text_en": text_en,
            "source_ref": _cut(ref_id, 300), "source_url": None, "national_basis": None, "note": None,
            "attributes": attributes,
        }
        req_fields["search_text"] = search_text(code, ref, display_ref, title_da, title_en, text_da, text_en)
        out.append(RequirementData(ref, display_ref, depth, len(out), parent[0] if parent else None, req_fields))
        by_urn[node_urn] = (ref, depth, line)
    return CatalogData(code, fields, out)
