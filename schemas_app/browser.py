"""Read-side helpers of the schema browser: tree levels, search, one table's detail.

They work on the cached parsed document, so a 2,000-table snapshot costs one parse per
process, and each request only walks lists in memory.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from connections.dialects.schema import SchemaDocument, Table

SEARCH_LIMIT = 100


def schema_names(document: SchemaDocument) -> list[tuple[str, int]]:
    counts = Counter(t.schema for t in document.tables)
    return sorted(counts.items())


def tables_in(document: SchemaDocument, schema: str) -> list[Table]:
    return sorted((t for t in document.tables if t.schema == schema), key=lambda t: t.name)


@dataclass
class SearchHit:
    table: Table
    column: str = ""  # empty when the table itself matched


def search(
    document: SchemaDocument, query: str, limit: int | None = None
) -> tuple[list[SearchHit], int]:
    """Case-insensitive substring match on table names, column names and comments.

    Returns the first `limit` hits and the number of all hits, so the page can say that it
    shows only part of them (counting the rest is a cheap walk over lists in memory)."""
    limit = limit or SEARCH_LIMIT
    needle = query.strip().lower()
    if not needle:
        return [], 0
    hits: list[SearchHit] = []
    total = 0
    for table in document.tables:
        if needle in table.name.lower() or needle in table.comment.lower():
            total += 1
            if total <= limit:
                hits.append(SearchHit(table))
        for column in table.columns:
            if needle in column.name.lower() or needle in column.comment.lower():
                total += 1
                if total <= limit:
                    hits.append(SearchHit(table, column.name))
    return hits, total


def foreign_key_columns(table: Table) -> dict[str, str]:
    """column -> referenced qualified table name, for the FK badges and links."""
    links = {}
    for fk in table.foreign_keys:
        target = (
            f"{fk.referred_schema}.{fk.referred_table}" if fk.referred_schema else fk.referred_table
        )
        for column in fk.columns:
            links[column] = target
    return links
