"""manage.py ask --connection NAME "question": the SQL, the rows and the answer, in a terminal."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from chat.answering.pipeline import answer_question
from connections.models import Connection

SHOWN_ROWS = 20
CELL_WIDTH = 40


class Command(BaseCommand):
    help = "Answer a question against one connection (LLM_MODEL or the built-in engine)."

    def add_arguments(self, parser):
        parser.add_argument("question")
        parser.add_argument("--connection", required=True, help="Connection name or id.")
        parser.add_argument("--max-rows", type=int, default=None)

    def handle(self, *args, question: str, connection: str, max_rows: int | None, **options):
        target = _find(connection)
        answer = answer_question(target, question, max_rows=max_rows)
        for number, attempt in enumerate(answer.attempts[:-1], 1):
            self.stdout.write(
                f"-- attempt {number} ({attempt.status}): {attempt.error}\n{attempt.sql}"
            )
        if answer.interpretation:  # what the built-in engine understood
            self.stdout.write(f"Read as: {answer.interpretation}")
        if answer.sql:
            self.stdout.write(f"SQL ({answer.engine}):\n{answer.sql}\n")
        if answer.columns:
            self.stdout.write(text_table(answer.columns, answer.rows[:SHOWN_ROWS]))
            more = len(answer.rows) - SHOWN_ROWS
            if more > 0 or answer.truncated:
                self.stdout.write(
                    f"... {max(more, 0)} more rows"
                    + (" (result cut at the row cap)" if answer.truncated else "")
                )
            self.stdout.write("")
        if answer.error:
            raise CommandError(answer.error)
        if answer.refused:
            raise CommandError(f"Refused: {answer.text}")
        self.stdout.write(answer.text)


def _find(name: str) -> Connection:
    found = Connection.objects.filter(name=name).first()
    if found is None:
        try:
            found = Connection.objects.filter(pk=name).first()
        except Exception:  # not a UUID
            found = None
    if found is None:
        raise CommandError(f"No connection named {name!r}.")
    return found


def text_table(columns: list[str], rows: list[tuple]) -> str:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(columns)]
    line = " | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    rule = "-+-".join("-" * w for w in widths)
    body = [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    return "\n".join([line, rule, *body])


def _cell(value: object) -> str:
    if value is None:
        text = "NULL"
    elif isinstance(value, float):
        text = f"{value:.10g}"  # 3327.11, not the binary noise 3327.109999999999
    else:
        text = str(value)
    return text if len(text) <= CELL_WIDTH else text[: CELL_WIDTH - 1] + "…"
