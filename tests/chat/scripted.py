"""A generator scripted by the test: our own SqlGenerator interface, implemented in a few
lines, so the pipeline, the pages and the API can be tried with any Generated (an
interpretation and labels, corrections, failures) without depending on what an engine says."""

from __future__ import annotations

import threading
from dataclasses import replace

from chat.answering.generators import GenerationError, Request, SqlGenerator
from chat.answering.types import Generated


class Scripted(SqlGenerator):
    """`first` returns `first` (a copy each time: several databases may ask at once);
    `again` returns the corrections in order, then None. A GenerationError in the script is
    raised instead of returned."""

    def __init__(
        self,
        first: Generated | GenerationError,
        *corrections: Generated | GenerationError,
        name: str = "scripted",
        max_corrections: int = 0,
    ):
        self.name = name
        self.max_corrections = max_corrections
        self._first = first
        self._corrections = list(corrections)
        self._lock = threading.Lock()
        self.calls: list[tuple] = []

    def first(self, request: Request) -> Generated:
        with self._lock:
            self.calls.append(("first", request.question, request.dialect))
        return self._give(self._first)

    def again(self, request: Request, failed_sql: str, error: str) -> Generated | None:
        with self._lock:
            self.calls.append(("again", failed_sql, error))
            if not self._corrections:
                return None
            step = self._corrections.pop(0)
        return self._give(step)

    @staticmethod
    def _give(step):
        if isinstance(step, GenerationError):
            raise step
        return replace(step)


COUNTRIES = Generated(
    sql=(
        "SELECT BillingCountry, COUNT(*) AS n FROM Invoice GROUP BY BillingCountry "
        "ORDER BY n DESC, BillingCountry LIMIT 3"
    ),
    explanation="Invoices per country.",
    interpretation="number of invoices per billing country, top 3",
    column_labels=["Country", "Number of invoices"],
)
