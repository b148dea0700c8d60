"""spider-train: how the answering engine generalises to 133 databases it was not written for.

Runs `manage.py eval_spider` against a throw-away SQLite system database in a temporary data
folder, so the benchmark's 133 registered connections never land in a real registry. The
spider databases themselves are cached (SQLite files under ~/.cache/datachat/spider, or
databases spider_<name> on a server) and reused while their sources are unchanged.
Arguments are eval_spider's; with none, all 6,434 questions on SQLite. The engine is the
configured one: the built-in engine unless LLM_MODEL is set.

    .venv/bin/python benchmarks/bench_spider.py --json /tmp/spider-sqlite.json
    .venv/bin/python benchmarks/bench_spider.py --split dev --sample 300 --show-wrong
    .venv/bin/python benchmarks/bench_spider.py --engine mysql --no-per-db

Prints per database and per split (dev / holdout) and in total: questions, answered,
correct, execution accuracy, precision, wrong, failed queries, ms per question p50/p95, and
the most common refusal reasons. Results and history: benchmarks/README.md.
"""

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["DATACHAT_DATA_DIR"] = tempfile.mkdtemp(prefix="datachat-bench-")
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datachat.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402


def main(argv: list[str]) -> None:
    call_command("migrate", verbosity=0)
    call_command("eval_spider", *argv)


if __name__ == "__main__":
    main(sys.argv[1:])
