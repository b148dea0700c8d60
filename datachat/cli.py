"""The `datachat` console script: `datachat dp sync --datapoints-dir DIR --connection-id ID`."""

from __future__ import annotations

import argparse
import os
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="datachat", description="DataChat command line.")
    commands = parser.add_subparsers(dest="command", required=True)
    dp = commands.add_parser("dp", help="DataPoints: business context for answering.")
    dp_actions = dp.add_subparsers(dest="action", required=True)
    sync = dp_actions.add_parser("sync", help="Sync a directory of DataPoint files.")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datachat.settings")
    import django

    django.setup()
    from schemas_app.datapoint_sync import add_sync_arguments, run_sync

    add_sync_arguments(sync, dir_flags=("--datapoints-dir", "--dir"))
    args = parser.parse_args(argv)
    return run_sync(
        vars(args),
        lambda line: print(line),
        lambda line: print(line, file=sys.stderr),
    )


if __name__ == "__main__":
    sys.exit(main())
