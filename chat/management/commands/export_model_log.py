"""manage.py export_model_log [--since DATE] [--format jsonl|csv] [--output FILE]: the model's
audit log (every request sent to a model, in full) for an auditor or a log store."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from chat import model_log
from chat.model_log_views import parse_since


class Command(BaseCommand):
    help = "Export every request sent to a language model (the audit log) as JSON lines or CSV."

    def add_arguments(self, parser):
        parser.add_argument("--since", default="", help="YYYY-MM-DD or an ISO date-time.")
        parser.add_argument("--format", default="jsonl", choices=["jsonl", "csv"])
        parser.add_argument("--output", default="-", help="A file to write (default: stdout).")

    def handle(self, *args, since, format, output, **options):
        try:
            moment = parse_since(since)
        except ValueError as error:
            raise CommandError(str(error)) from None
        lines = model_log.export_lines(model_log.calls(since=moment), format)
        if output == "-":
            for line in lines:
                self.stdout.write(line, ending="")
            return
        with open(output, "w", encoding="utf-8", newline="") as handle:
            for line in lines:
                handle.write(line)
        sys.stderr.write(f"Wrote the model log to {output}.\n")
