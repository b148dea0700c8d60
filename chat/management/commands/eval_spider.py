"""manage.py eval_spider [--split dev|holdout|all] [--sample N] [--show-wrong] ...: the
spider-train generalisation benchmark through the real answering pipeline (issue 11).

    manage.py eval_spider --split dev --sample 300 --show-wrong     # quick look while tuning
    manage.py eval_spider --json spider.json                          # everything, on SQLite
    manage.py eval_spider --engine mysql --databases concert_singer,pets_1
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chat.answering.spider import bench, dataset
from connections.connection_url import ConnectionURLError, parse_connection_url
from connections.dialects import ConnectionParams, dialect_class

# The loopback servers `make test` runs; the same variables as the tests and benchmarks.
SERVER_URLS = {
    "mysql": ("TEST_MYSQL_ADMIN_URL", "mysql://root@127.0.0.1:3306/"),
    "postgresql": ("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
}


class Command(BaseCommand):
    help = (
        "Load spider-train into SQLite (or MariaDB/PostgreSQL), register and profile each "
        "database, ask every question through the answering pipeline and report answered, "
        "execution accuracy, precision, refusal reasons and ms per question."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dataset", type=Path, default=None, help="spider-train directory")
        parser.add_argument("--engine", choices=["sqlite", "mysql", "postgresql"], default="sqlite")
        parser.add_argument(
            "--server-url",
            default=None,
            help="where --engine mysql/postgresql loads (a database spider_<name> each); "
            "default $TEST_MYSQL_ADMIN_URL / $TEST_PG_ADMIN_URL, else the loopback server",
        )
        parser.add_argument(
            "--cache-dir", type=Path, default=None, help="SQLite files (~/.cache/datachat/spider)"
        )
        parser.add_argument("--databases", default="", help="comma-separated spider databases")
        parser.add_argument("--split", choices=dataset.SPLITS, default="all")
        parser.add_argument("--limit-per-db", type=int, default=None)
        parser.add_argument("--sample", type=int, default=None, help="N questions, seeded")
        parser.add_argument("--seed", type=int, default=dataset.DEFAULT_SEED)
        parser.add_argument("--json", dest="json_path", type=Path, default=None)
        parser.add_argument(
            "--show-wrong",
            action="store_true",
            help="print question, gold and predicted SQL of wrong answers and failed queries",
        )
        parser.add_argument(
            "--show-refused", action="store_true", help="print each refused question and why"
        )
        parser.add_argument("--rebuild", action="store_true", help="reload the databases")
        parser.add_argument(
            "--reextract", action="store_true", help="extract schemas again (else reused)"
        )
        parser.add_argument(
            "--no-per-db", action="store_true", help="summary rows for splits and total only"
        )

    def handle(self, *args, **o):
        root = o["dataset"] or dataset.default_root()
        if not (root / "questions.csv").is_file():
            raise CommandError(f"No spider-train dataset at {root} (questions.csv missing).")
        options = bench.Options(
            root=root,
            kind=o["engine"],
            server=_server(o["engine"], o["server_url"]),
            cache_dir=o["cache_dir"],
            rebuild=o["rebuild"],
            reextract=o["reextract"],
            databases=[d.strip() for d in o["databases"].split(",") if d.strip()] or None,
            split=o["split"],
            limit_per_db=o["limit_per_db"],
            sample=o["sample"],
            seed=o["seed"],
        )
        try:
            dataset.select_questions(root, databases=options.databases, split=options.split)
        except ValueError as exc:
            raise CommandError(str(exc)) from None

        def progress(name: str, totals: dict | None) -> None:
            if totals is None:
                self.stderr.write(f"{name}: skipped")
            elif o["verbosity"] >= 2:
                self.stderr.write(
                    f"{name}: {totals['correct']}/{totals['questions']} correct, "
                    f"{totals['answered']} answered"
                )

        report = bench.run(options, progress=progress)
        if o["show_refused"]:
            for r in report["results"]:
                if r["status"] == "refused":
                    self.stdout.write(f"[refused] {r['database']} #{r['number']}: {r['question']}")
                    self.stdout.write(f"    {r.get('reason', '')}")
            self.stdout.write("")
        if o["show_wrong"]:
            self.stdout.write("\n".join(bench.format_wrong(report)) + "\n")
        self.stdout.write("\n".join(bench.format_summary(report, per_database=not o["no_per_db"])))
        if o["json_path"]:
            o["json_path"].parent.mkdir(parents=True, exist_ok=True)
            o["json_path"].write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
            self.stdout.write(f"\nreport written to {o['json_path']}")


def _server(kind: str, url: str | None) -> ConnectionParams | None:
    if dialect_class(kind).file_based:  # no server: the loader writes files
        return None
    variable, default = SERVER_URLS[kind]
    try:
        fields = parse_connection_url(url or os.environ.get(variable) or default)
    except ConnectionURLError as exc:
        raise CommandError(str(exc)) from None
    if fields["kind"] != kind:
        raise CommandError(f"--server-url is a {fields['kind']} URL, not {kind}.")
    fields["options"] = tuple(sorted(fields["options"].items()))
    return ConnectionParams(**fields)
