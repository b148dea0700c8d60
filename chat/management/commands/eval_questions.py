"""manage.py eval_questions FILE --connection NAME [--json] [--today DATE]: accuracy of the
configured engine (LLM_MODEL, else the built-in one) through the real answering pipeline."""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from chat.answering.evaluation import evaluate, load_question_set
from connections.models import Connection


class Command(BaseCommand):
    help = "Run a question set (YAML/JSON list of {question, sql}) and report execution accuracy."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--connection", required=True, help="name of a registered connection")
        parser.add_argument("--json", action="store_true", help="print a machine-readable report")
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="date relative dates count from (default: the set's `today`, else the real date)",
        )

    def handle(self, *args, file, connection, json: bool = False, today=None, **options):
        try:
            target = Connection.objects.get(name=connection)
        except Connection.DoesNotExist:
            raise CommandError(f"No connection named {connection!r}.") from None
        try:
            questions = load_question_set(file)
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from None
        report = evaluate(target, questions.questions, today=today or questions.today)
        if json:
            self.stdout.write(_json.dumps(report, indent=2, default=str))
            return
        for row in report["results"]:
            self.stdout.write(f"{row['status']:<14} {row['question'][:70]}")
        self.stdout.write("")
        self.stdout.write(f"{'engine':<28} {report['engine']}")
        self.stdout.write(f"{'today':<28} {report['today'] or date.today().isoformat()}")
        for key, value in report["totals"].items():
            self.stdout.write(f"{key:<28} {value}")


_json = json
