"""Shapes shared by both generators and the pipeline, so neither parses the other's text."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Turn:
    """One earlier exchange of the conversation, for follow-up questions."""

    question: str
    sql: str = ""
    answer: str = ""


@dataclass
class Generated:
    """What a generator returns: SQL (or a refusal) and one short sentence about it."""

    sql: str | None
    explanation: str = ""
    refused: bool = False  # the generator could not or would not write SQL
    reason: str = ""  # why it refused, naming the closest tables/columns it knows
    answer_template: str = ""  # built-in engine: e.g. "There are {value} customers."
    note: str = ""  # appended to the answer text, e.g. which dates "last year" meant
    # An answer read from the schema document itself (which tables exist, a table's
    # columns): no SQL, but a result table all the same.
    columns: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)  # LLM tokens and latency
    # Built-in engine: what it understood, restated in plain words without a prefix
    # ("number of distinct cities of employees"); the page shows it as "Read as: ...".
    interpretation: str = ""
    # Human headers for the result columns, in the SQL's column order ("Number of
    # customers", not count_value); empty means "derive them from the column names".
    column_labels: list[str] = field(default_factory=list)


@dataclass
class Attempt:
    sql: str  # as users read it: without the row LIMIT the pipeline adds
    status: str  # ok | invalid | error
    error: str = ""
    duration_ms: float = 0.0
    row_count: int = 0
    executed_sql: str = ""  # what the database ran (with that LIMIT); "" when nothing ran


@dataclass
class Answer:
    question: str
    text: str
    sql: str | None  # as users read it (no row LIMIT of ours); attempts keep what ran
    columns: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    truncated: bool = False
    refused: bool = False
    error: str = ""
    engine: str = ""  # "builtin" or the LLM model name
    attempts: list[Attempt] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    usage: dict[str, Any] = field(default_factory=dict)  # LLM tokens and latency, all calls
    interpretation: str = ""  # see Generated.interpretation
    column_labels: list[str] = field(default_factory=list)  # one per column, human headers
    # Bytes the engine's dry run said the query reads, before it ran (BigQuery); else None.
    estimated_bytes: int | None = None
