"""Syncing a directory of DataPoint files from a command line: the arguments and the run, shared
by `manage.py datapoints sync` and the `datachat dp sync` console script."""

from __future__ import annotations

from collections.abc import Callable

from schemas_app import datapoints


def add_sync_arguments(parser, *, dir_flags=("--dir",)) -> None:
    parser.add_argument(*dir_flags, dest="directory", required=True, help="Directory of files.")
    scope = parser.add_mutually_exclusive_group(required=True)
    scope.add_argument("--connection-id", help="Id or name of the database the points belong to.")
    scope.add_argument(
        "--global-scope", action="store_true", help="Points shared by every database."
    )
    parser.add_argument("--dry-run", action="store_true", help="Report changes, write nothing.")


def run_sync(
    options: dict, write: Callable[[str], None], write_error: Callable[[str], None]
) -> int:
    """Sync `options["directory"]` into its scope, reporting line by line; returns the exit
    status (0 synced, 1 some files had errors, 2 nothing ran)."""
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
