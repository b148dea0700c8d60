"""manage.py eval_questions FILE --connection NAME [--json]: built-in engine accuracy."""

import json

from django.core.management.base import BaseCommand, CommandError

from chat.answering.evaluation import evaluate, load_questions
from connections.models import Connection


class Command(BaseCommand):
    help = "Run a question set (YAML/JSON list of {question, sql}) and report execution accuracy."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--connection", required=True, help="name of a registered connection")
        parser.add_argument("--json", action="store_true", help="print a machine-readable report")

    def handle(self, *args, file, connection, json: bool = False, **options):
        try:
            target = Connection.objects.get(name=connection)
        except Connection.DoesNotExist:
            raise CommandError(f"No connection named {connection!r}.") from None
        try:
            questions = load_questions(file)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from None
        report = evaluate(target, questions)
        if json:
            self.stdout.write(_json.dumps(report, indent=2, default=str))
            return
        for row in report["results"]:
            self.stdout.write(f"{row['status']:<14} {row['question'][:70]}")
        self.stdout.write("")
        for key, value in report["totals"].items():
            self.stdout.write(f"{key:<28} {value}")


_json = json
