"""manage.py compare_databases A B [--data] [--json] [--extract]

For CI pipelines: exit status 0 when the two databases compare equal, 1 when they differ,
2 when the comparison could not be made (unknown database, no snapshot, bad arguments).
"""

import json
import uuid

from django.core.management.base import BaseCommand, CommandError

from comparisons.report import text_lines
from comparisons.services import ComparisonError, compare
from connections.models import Connection
from schemas_app.services import ExtractionBusy, extract_now

EQUAL, DIFFERENT, ERROR = 0, 1, 2


def _resolve(value: str) -> Connection:
    try:
        lookup = {"pk": uuid.UUID(value)}
    except ValueError:
        lookup = {"name": value}
    connection = Connection.objects.filter(**lookup).first()
    if connection is None:
        raise CommandError(f"No database named or with id {value!r}.", returncode=ERROR)
    return connection


class Command(BaseCommand):
    help = (
        "Compare two registered databases (by name or id): schema from their latest "
        "snapshots, and with --data the row counts and checksums of their common tables. "
        "Exit status: 0 equal, 1 different, 2 error (unknown database, no schema snapshot, "
        "bad arguments)."
    )

    def add_arguments(self, parser):
        parser.add_argument("left", metavar="A", help="name or id of the first database")
        parser.add_argument("right", metavar="B", help="name or id of the second database")
        parser.add_argument(
            "--data", action="store_true", help="Compare row counts and row checksums too."
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
        parser.add_argument(
            "--extract",
            action="store_true",
            help="Extract both schemas first, so the schemas compared are today's.",
        )

    def handle(self, *args, **options):
        left, right = _resolve(options["left"]), _resolve(options["right"])
        if options["extract"]:
            for connection in (left, right):
                try:
                    snapshot = extract_now(connection)
                except ExtractionBusy as exc:
                    raise CommandError(str(exc), returncode=ERROR) from None
                if snapshot.status != snapshot.Status.SUCCEEDED:
                    raise CommandError(
                        f"{connection.name}: extraction failed: {snapshot.error}",
                        returncode=ERROR,
                    )
        try:
            result = compare(left, right, data=options["data"])
        except ComparisonError as exc:
            raise CommandError(str(exc), returncode=ERROR) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
        else:
            self.stdout.write("\n".join(text_lines(result)))
        if result.differs:
            raise SystemExit(DIFFERENT)
