"""Precision per reading on spider-train's DEV split: which readings and defaults fired for
each question the built-in engine answered, and how often answers using each were right.

    .venv/bin/python benchmarks/bench_spider.py --split dev --no-per-db --json /tmp/dev.json
    .venv/bin/python benchmarks/bench_readings.py --report /tmp/dev.json
    .venv/bin/python benchmarks/bench_readings.py --report /tmp/dev.json --show value:fuzzy

The report says whether each answer was right; this script asks the engine again (its
`understand`, on the SQLite copies eval_spider caches) for the answered questions and derives
the readings from the mentions and the Interpretation (readings.py in benchmarks' helpers
below), so the engine carries no debug code. Printed per reading: support, wrong, precision
on all dev and on the two folds (sorted database names, even / odd). A reading with low
precision on both folds, or one that is a tie-break (the engine picked one of several equal
candidates), is a candidate to refuse. Holdout databases are never read.
"""

import argparse
import json
import os
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datachat.settings")

import django  # noqa: E402

django.setup()

from bench_word_drops import schema_of  # noqa: E402

from chat.answering.builtin.engine import understand  # noqa: E402
from chat.answering.builtin.index import lexicon_for  # noqa: E402
from chat.answering.builtin.reader import Refusal  # noqa: E402
from chat.answering.builtin.traces import readings, tracing  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", type=Path, required=True, help="eval_spider --split dev JSON")
    parser.add_argument("--show", default="", help="print the questions with this reading")
    parser.add_argument("--min-support", type=int, default=3)
    o = parser.parse_args()
    rows = [r for r in json.loads(o.report.read_text())["results"] if r.get("split") == "dev"]
    names = sorted({r["database"] for r in rows})
    fold = {name: "AB"[k % 2] for k, name in enumerate(names)}
    answered = [r for r in rows if r["status"] in ("match", "wrong")]
    # reading -> fold -> [answered, wrong]
    table: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"A": [0, 0], "B": [0, 0]})
    by_db = defaultdict(list)
    for r in answered:
        by_db[r["database"]].append(r)
    for name in sorted(by_db):
        document, profiles = schema_of(name)
        lex = lexicon_for(document, profiles)
        for r in by_db[name]:
            try:
                with tracing() as took:
                    understood = understand(r["question"], lex)
            except Refusal:
                continue  # the report's run had other points or today: rare, skipped
            wrong = r["status"] == "wrong"
            found = readings(understood, lex, r["question"]) | {f"took:{t}" for t in took}
            for reading in sorted(found):
                cell = table[reading][fold[name]]
                cell[0] += 1
                cell[1] += wrong
                if o.show and reading == o.show:
                    mark = "WRONG" if wrong else "right"
                    print(f"{mark} {name}: {r['question']}\n    {r['predicted']}")
    print(f"{'reading':42} {'n':>5} {'wrong':>5} {'prec':>6}  {'A n/w':>9} {'B n/w':>9}")
    for reading, folds in sorted(table.items(), key=lambda kv: _precision(kv[1])):
        n = folds["A"][0] + folds["B"][0]
        if n < o.min_support:
            continue
        w = folds["A"][1] + folds["B"][1]
        a, b = folds["A"], folds["B"]
        print(
            f"{reading:42} {n:5} {w:5} {100 * (n - w) / n:5.1f}%  "
            f"{a[0]:4}/{a[1]:<4} {b[0]:4}/{b[1]:<4}"
        )


def _precision(folds: dict[str, list[int]]) -> float:
    n = folds["A"][0] + folds["B"][0]
    return (n - folds["A"][1] - folds["B"][1]) / max(n, 1)


if __name__ == "__main__":
    main()
