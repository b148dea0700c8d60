"""manage.py datapoints sync --dir DIR [--connection-id ID | --global-scope] [--dry-run]"""

from django.core.management.base import BaseCommand, CommandError

from schemas_app import datapoints


def add_sync_arguments(parser, *, dir_flags=("--dir",)) -> None:
    parser.add_argument(*dir_flags, dest="directory", required=True, help="Directory of files.")
    scope = parser.add_mutually_exclusive_group(required=True)
    scope.add_argument("--connection-id", help="Id or name of the database the points belong to.")
    scope.add_argument(
        "--global-scope", action="store_true", help="Points shared by every database."
    )
    parser.add_argument("--dry-run", action="store_true", help="Report changes, write nothing.")


def run_sync(options, write, write_error) -> int:
    """Shared by this command and the `datachat` console script; returns the exit status."""
    try:
        connection = (
            datapoints.resolve_connection(options["connection_id"])
            if options.get("connection_id")
            else None
        )
        report = datapoints.sync_directory(
            options["directory"],
            connection=connection,
            global_scope=bool(options.get("global_scope")),
            dry_run=bool(options.get("dry_run")),
        )
    except datapoints.DataPointError as error:
        write_error(str(error))
        return 2
    for error in report.errors:
        write_error(f"error: {error}")
    for label, keys in (("added", report.added), ("updated", report.updated)):
        for key in keys:
            write(f"{label}: {key}")
    for key in report.removed:
        write(f"removed: {key}")
    write(report.summary())
    return 1 if report.errors else 0


class Command(BaseCommand):
    help = "Sync DataPoints (business context) from a directory of YAML/JSON files."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add_sync_arguments(sub.add_parser("sync", help="Sync a directory into one scope."))

    def handle(self, *args, **options):
        status = run_sync(
            options,
            lambda line: self.stdout.write(line),
            lambda line: self.stderr.write(line),
        )
        if status == 2:
            raise CommandError("DataPoints sync did not run.")
        if status == 1:
            raise CommandError("Some files had errors (the others were synced).", returncode=1)
