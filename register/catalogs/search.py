"""Text search over requirements, answered from a trigram index where the database has one.

A search finds the requirements whose `search_text` (lower-cased reference, titles and texts) contains what
was typed. Scanning that with LIKE reads every requirement's text: 9 ms of SQL at 5,000 requirements on
SQLite, for the count and again for the page. A trigram index answers a substring from the index instead:
- SQLite: the FTS5 table `requirement_search` with the trigram tokenizer, over `requirement.search_text`
  (external content), kept in step by triggers on `requirement`;
- PostgreSQL: a GIN index with `pg_trgm`'s operator class on `search_text`, which LIKE uses by itself.
Migration d7f2a4c9e1b3 creates them. Where it could not (an SQLite built without FTS5, a PostgreSQL where
the role may not create pg_trgm), the search reads every text as before and finds the same requirements.

A later migration that rebuilds the `requirement` table on SQLite (batch mode copies it) drops the
triggers with it and must create them again as d7f2a4c9e1b3 does; the search tests fail otherwise.
"""
import weakref

import sqlalchemy as sa

from register.catalogs.models import Requirement
from register.extensions import db

FTS_TABLE = "requirement_search"
TRIGRAM_INDEX = "ix_requirement_search_text_trgm"
# A trigram index cannot answer a needle shorter than one trigram; those are scanned.
SHORTEST_INDEXED = 3

_fts_tables: "weakref.WeakKeyDictionary[sa.Engine, bool]" = weakref.WeakKeyDictionary()


def ref_form(query: str) -> str:
    """'21(2)(d)' -> '21.2.d': people write references both ways, and the stored reference uses dots."""
    return query.replace(")(", ".").replace("(", ".").replace(")", "").strip(".")


def needles(query: str) -> list[str]:
    """What a search looks for in `search_text`: the typed text, and a reference typed with brackets in dots."""
    typed = query.strip().lower()
    found = [typed]
    dotted = ref_form(typed)
    if dotted and dotted != typed:
        found.append(dotted)
    return found


def _is_index_object(name: str | None, type_: str) -> bool:
    if type_ == "table":  # FTS5 keeps four tables beside its own
        return bool(name) and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_"))
    return type_ == "index" and name == TRIGRAM_INDEX


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's hook: comparing the database with the models leaves out the index's tables and index,
    which the models do not describe."""
    return not (reflected and compare_to is None and _is_index_object(name, type_))


def _has_fts_table(engine: sa.Engine) -> bool:
    """Whether this SQLite database has the FTS5 table; asked once per engine."""
    known = _fts_tables.get(engine)
    if known is None:
        with engine.connect() as conn:
            known = conn.execute(sa.text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = :name"),
                                 {"name": FTS_TABLE}).first() is not None
        _fts_tables[engine] = known
    return known


def _fts_phrase(needle: str) -> str:
    """An FTS5 string: everything between double quotes is literal, a quote is written twice."""
    return '"' + needle.replace('"', '""') + '"'


def matches(query: str) -> sa.ColumnElement[bool]:
    """The condition 'this requirement's text contains the query' (or its reference written with dots)."""
    wanted = needles(query)
    engine = db.engine
    indexable = all(len(n) >= SHORTEST_INDEXED for n in wanted)
    if engine.dialect.name == "sqlite" and indexable and _has_fts_table(engine):
        found = (sa.select(sa.column("rowid")).select_from(sa.table(FTS_TABLE))
                 .where(sa.text(f"{FTS_TABLE} MATCH :fts_query")
                        .bindparams(fts_query=" OR ".join(_fts_phrase(n) for n in wanted))))
        return Requirement.id.in_(found)
    # PostgreSQL's trigram index serves this LIKE as it stands
    return sa.or_(*[Requirement.search_text.contains(n, autoescape=True) for n in wanted])
