"""manage.py extract_schema [NAME_OR_ID ...] [--all] [--no-profile]

Profiles the columns too, as the pages and the API do (value questions need the profiles);
--no-profile skips them (--profile, the former opt-in, is still accepted).

Runs each extraction in this process (claimed like a task, so it never overlaps a worker's),
with a progress bar on a terminal and a one-line summary per connection. Exits non-zero when
any extraction failed.
"""

import sys
import threading
import time
import uuid

from django.core.management.base import BaseCommand, CommandError

from connections.models import Connection
from schemas_app import services
from schemas_app.models import SchemaSnapshot


def _count(number: int, noun: str) -> str:
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def _resolve(names_or_ids: list[str]) -> list[Connection]:
    found = []
    for value in names_or_ids:
        try:
            lookup = {"pk": uuid.UUID(value)}
        except ValueError:
            lookup = {"name": value}
        connection = Connection.objects.filter(**lookup).first()
        if connection is None:
            raise CommandError(f"No connection named or with id {value!r}.")
        found.append(connection)
    return found


class Command(BaseCommand):
    help = "Extract the schema of the given connections (or --all active ones)."

    def add_arguments(self, parser):
        parser.add_argument("connections", nargs="*", metavar="NAME_OR_ID")
        parser.add_argument("--all", action="store_true", help="Every active connection.")
        parser.add_argument(
            "--no-profile",
            dest="profile",
            action="store_false",
            help="Skip profiling the columns (done by default).",
        )
        parser.add_argument(
            "--profile", dest="profile", action="store_true", help="Profile (the default)."
        )
        parser.set_defaults(profile=True)

    def handle(self, *args, **options):
        if options["all"]:
            connections = list(Connection.objects.filter(is_active=True))
        elif options["connections"]:
            connections = _resolve(options["connections"])
        else:
            raise CommandError("Name at least one connection, or pass --all.")
        failures = 0
        for connection in connections:
            snapshot = self._extract(connection, with_profile=options["profile"])
            if snapshot is None or snapshot.status != SchemaSnapshot.Status.SUCCEEDED:
                failures += 1
                reason = snapshot.error if snapshot else "an extraction is already running"
                self.stdout.write(self.style.ERROR(f"{connection.name}: failed: {reason}"))
            else:
                self.stdout.write(
                    self.style.SUCCESS(
                        f"{connection.name}: {_count(snapshot.table_count, 'table')}, "
                        f"{_count(snapshot.column_count, 'column')} in {snapshot.duration_ms / 1000:.2f} s"
                    )
                )
        if failures:
            raise CommandError(f"{failures} of {len(connections)} extraction(s) failed.")

    def _extract(self, connection: Connection, *, with_profile: bool) -> SchemaSnapshot | None:
        stop = threading.Event()
        interactive = sys.stdout.isatty() and self.stdout._out is sys.stdout
        if interactive:
            threading.Thread(
                target=self._progress_bar, args=(connection, stop), daemon=True
            ).start()
        try:
            return services.extract_now(connection, with_profile=with_profile)
        except services.ExtractionBusy:
            return None
        finally:
            stop.set()
            if interactive:
                time.sleep(0.1)
                self.stdout.write("\r" + " " * 70 + "\r", ending="")

    def _progress_bar(self, connection: Connection, stop: threading.Event) -> None:
        # Reads the row the extraction updates, from its own thread (own DB connection).
        from django.db import connection as db

        try:
            while not stop.wait(0.25):
                snapshot = services.active_snapshot(connection)
                if snapshot:
                    filled = snapshot.percent // 5
                    self.stdout.write(
                        f"\r{connection.name[:20]:20} [{'#' * filled}{'.' * (20 - filled)}] "
                        f"{snapshot.percent:3d}% {snapshot.phase[:16]}",
                        ending="",
                    )
                    self.stdout.flush()
        finally:
            db.close()
