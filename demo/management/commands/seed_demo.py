"""manage.py seed_demo: write the demo shop database and optionally register it.

manage.py seed_demo                                  # SQLite file data/demo.sqlite3
manage.py seed_demo --url postgresql://u:p@host/db   # or mysql://, clickhouse://
manage.py seed_demo --scale 1000                     # millions of rows, for benchmarks
manage.py seed_demo --register "Demo shop" --default
manage.py seed_demo --url postgresql://owner:p@host/db --register "Shop" \
    --register-url postgresql://reader:p@host/db      # register a read-only account
"""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from connections.connection_url import ConnectionURLError, parse_connection_url
from connections.models import Connection
from connections.services import set_default_connection
from demo import DEFAULT_DATABASE, seed, sqlite_target


class Command(BaseCommand):
    help = "Generate the demo online-shop database (fixed seed) into SQLite or a server."

    def add_arguments(self, parser):
        parser.add_argument("--url", help="Target database URL (default: SQLite in DATA_DIR).")
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="Multiply row counts (1: ~7k rows; 1000: ~7M rows).",
        )
        parser.add_argument(
            "--register",
            metavar="NAME",
            help="Create or update a Connection with this name for the target.",
        )
        parser.add_argument(
            "--register-url",
            metavar="URL",
            help="With --register: connect with this URL's account instead of --url's. The "
            "seeding account owns the tables, so DataChat would refuse it; give a read-only one.",
        )
        parser.add_argument(
            "--default",
            action="store_true",
            help="With --register: make it the default connection.",
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help="SQLite only: keep an existing file, just (re)register it.",
        )

    def handle(
        self,
        *args,
        url=None,
        scale=1,
        register=None,
        register_url=None,
        default=False,
        if_missing=False,
        **options,
    ):
        if (default or register_url) and not register:
            raise CommandError("--default and --register-url need --register NAME.")
        if scale < 1:
            raise CommandError("--scale must be at least 1.")
        if url:
            try:
                params = parse_connection_url(url)
            except ConnectionURLError as exc:
                raise CommandError(str(exc)) from None
        else:  # the file beside the system database
            params = sqlite_target(settings.DATA_DIR / "demo.sqlite3")
        reader = None
        if register_url:
            try:
                reader = parse_connection_url(register_url)
            except ConnectionURLError as exc:
                raise CommandError(f"--register-url: {exc}") from None
            if reader["kind"] != params["kind"]:
                raise CommandError("--register-url must be the same kind of database as --url.")
        target = (
            params["database"]
            if params["kind"] == "sqlite"
            else f"{params['kind']} {params['host']}:{params['port'] or ''}/{params['database']}"
        )
        if if_missing and params["kind"] == "sqlite" and Path(params["database"]).exists():
            self.stdout.write(f"Keeping the existing demo database {target}")
        else:
            self.write_demo(params, scale, target)

        if register:
            if reader:
                params = {**reader, "database": reader["database"] or params["database"]}
            connection = self.register(register, params)
            if default:
                set_default_connection(connection)
            self.stdout.write(
                f"Registered connection {connection.name!r}"
                + (" as the default" if default else "")
            )

    def write_demo(self, params: dict, scale: int, target: str) -> None:
        self.stdout.write(f"Seeding demo shop (scale {scale}) into {target}")

        def report(table: str, rows: int, seconds: float) -> None:
            self.stdout.write(f"  {table:<12} {rows:>12,} rows  {seconds:7.2f} s")

        started = time.perf_counter()
        try:
            counts = seed(params, scale=scale, report=report)
        except Exception as exc:  # driver errors: say what failed without echoing the URL
            password = params.get("password")
            message = str(exc).replace(password, "***") if password else str(exc)
            raise CommandError(f"Seeding failed: {message}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {sum(counts.values()):,} rows in {time.perf_counter() - started:.2f} s"
            )
        )

    def register(self, name: str, params: dict) -> Connection:
        connection = Connection.objects.filter(name=name).first() or Connection(name=name)
        connection.kind = params["kind"]
        connection.host = params["host"]
        connection.port = params["port"]
        connection.database = params["database"] or DEFAULT_DATABASE  # as seed() chose
        connection.username = params["username"]
        connection.password = params["password"]
        connection.options = params["options"]
        if not connection.description:
            connection.description = "Demo online shop: customers, products, orders, payments."
        connection.save()
        return connection
