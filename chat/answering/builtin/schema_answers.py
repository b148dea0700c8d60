"""Questions about the schema itself ("which tables exist?", "describe the orders table"),
answered from the snapshot's document without any SQL.

Only questions that are about the schema and nothing else: once the tables named and the words
that talk about tables and columns are set aside, nothing may be left. "What is the structure
of the document with the least number of accesses?" asks for data (a column holding a
structure) and goes to the reading pipeline."""

from __future__ import annotations

from connections.dialects.schema import Column, SchemaDocument, Table

from ..types import Generated
from .index import lexicon_for
from .mentions import find_mentions
from .tokens import tokenize

LISTING = {"what", "which", "list", "show"}
WHOLE = {"exist", "exists", "there", "database", "schema"}
DESCRIBE = {"describe", "column", "columns", "structure", "field", "fields"}
# Words a question about the schema may hold besides the names of tables.
SCHEMA_TALK = (
    LISTING
    | WHOLE
    | DESCRIBE
    | set(
        """table tables the a an of in this that these those are is do does we i you it its
        have has all every each me please give tell about available can see there 's name names
        type types data key keys how many number schema definition layout""".split()
    )
)


def tables_answer(document: SchemaDocument) -> Generated:
    names = ", ".join(t.name for t in document.tables)
    n = len(document.tables)
    rows = [(t.name, t.kind, len(t.columns)) for t in document.tables]
    columns = ["table", "kind", "columns"]
    if any(t.row_count is not None for t in document.tables):  # SQLite keeps no estimate
        columns.append("rows (estimate)")
        rows = [(*r, t.row_count) for r, t in zip(rows, document.tables, strict=True)]
    return Generated(
        sql=None,
        explanation=f"The database has {n} table{'s' if n != 1 else ''}: {names}.",
        columns=columns,
        rows=rows,
    )


def describe_answer(table: Table) -> Generated:
    references = {
        c: f"{fk.referred_table}.{r}"
        for fk in table.foreign_keys
        for c, r in zip(fk.columns, fk.referred_columns, strict=False)
    }

    def key(c: Column) -> str:
        primary = c.primary_key or c.name in table.primary_key
        return ", ".join(
            (["primary key"] if primary else [])
            + ([f"references {references[c.name]}"] if c.name in references else [])
        )

    listed = ", ".join(
        f"{c.name} ({c.type}{', ' + key(c) if key(c) else ''})" for c in table.columns
    )
    return Generated(
        sql=None,
        explanation=f"Table {table.name} has columns: {listed}.",
        columns=["column", "type", "nullable", "key", "comment"],
        rows=[
            (c.name, c.type, "yes" if c.nullable else "no", key(c), c.comment)
            for c in table.columns
        ],
    )


def document_answer(
    question: str, *, document: SchemaDocument, profiles: dict, dialect: str
) -> Generated | None:
    """The answer to "which tables exist?" / "describe the orders table", read from the schema
    document without any SQL; None for every other question. The pipeline asks this before
    either generator, so an LLM is never asked to query the catalog for what we already know."""
    tokens = tokenize(question or "")
    if not tokens:
        return None
    lows = {t.low for t in tokens}
    mentions = find_mentions(tokens, lexicon_for(document, profiles))
    named = [m for m in mentions if m.kind == "table" and len(m.tables) == 1]
    tables = [m.tables[0] for m in named]
    covered = {i for m in named for i in range(m.start, m.end)}
    if any(t.low not in SCHEMA_TALK for i, t in enumerate(tokens) if i not in covered):
        return None  # something besides the schema is asked: the data
    asks_tables = bool(lows & {"table", "tables"} and lows & LISTING)
    if asks_tables and not lows & {"column", "columns"} and (not tables or lows & WHOLE):
        return tables_answer(document)
    if tables and lows & DESCRIBE:
        return describe_answer(tables[0])
    return None
