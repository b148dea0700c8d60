"""manage.py datapoints sync --dir DIR [--connection-id ID | --global-scope] [--dry-run]"""

from django.core.management.base import BaseCommand, CommandError

from schemas_app.datapoint_sync import add_sync_arguments, run_sync


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
