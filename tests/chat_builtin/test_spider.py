"""The spider-train generalisation benchmark (issue 11, part 5).

What it measures: how the configured engine (the built-in one here) does on schemas and
questions it was never written against — 133 small databases from many domains, gold SQL
by Spider's annotators. `test_spider_sample_meets_the_floors` asks a FIXED sample (50 dev
databases x 10 questions, seeded) through the real pipeline on SQLite and holds two floors:
precision (correct / answered: a wrong number shown as an answer is the worst outcome) and
answered (the share not refused). The full run is a benchmark, not a test:
`manage.py eval_spider` / benchmarks/bench_spider.py, numbers in benchmarks/README.md.

The other tests check the loader, the splits and the report on a small made-up dataset, and
that the same dataset loads into MariaDB and PostgreSQL behind a read-only account.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
from pathlib import Path

import pytest
from django.core.management import call_command

from chat.answering.spider import bench, dataset, load

SPIDER = dataset.default_root()

# The CI sample: databases of the dev split (the holdout stays unseen while tuning) and
# questions of each, all drawn with dataset.DEFAULT_SEED.
SAMPLE_DATABASES, SAMPLE_PER_DB = 50, 10

# Floors a little below what the engines measured on this sample; raise them as they improve.
# 2026-12-02, 500 questions: the built-in engine before v2 answered 15.6 % with 33.3 %
# precision; v2 as the default (commit 2b2762a) 15.2 % with 94.7 % precision; v2 with
# column-order-free grading and the precision rules of issue 11's follow-up 28.2 % with
# 97.2 % (137 right, 4 wrong); after session 10's steps (either/or, anti-joins through a
# verb, "above the average X", child-table columns, "both", EXISTS) 31.4 % with 96.2 %
# (151 right, 6 wrong).
PRECISION_FLOOR = 94.0
ANSWERED_FLOOR = 29.0


@pytest.mark.slow
@pytest.mark.django_db
def test_spider_sample_meets_the_floors(settings, tmp_path_factory, capsys):
    assert (SPIDER / "questions.csv").is_file(), f"spider-train is missing at {SPIDER}"
    settings.LLM_MODEL = ""  # the built-in engine: deterministic, offline
    questions = dataset.fixed_sample(SPIDER, databases=SAMPLE_DATABASES, per_db=SAMPLE_PER_DB)
    report = bench.run(
        bench.Options(root=SPIDER, questions=questions, cache_dir=tmp_path_factory.mktemp("spider"))
    )
    summary = "\n".join(bench.format_summary(report, per_database=False))
    with capsys.disabled():
        print(f"\nspider-train CI sample (dev split, fixed seed):\n{summary}")
    totals = report["totals"]
    assert not report["skipped"], report["skipped"]
    assert len(report["databases"]) >= 40 and totals["questions"] >= 400, summary
    assert set(report["splits"]) == {"dev"}
    wrong = "\n".join(bench.format_wrong(report)[:60])
    assert totals["precision_pct"] >= PRECISION_FLOOR, f"{summary}\n\nwrong answers:\n{wrong}"
    assert totals["answered_pct"] >= ANSWERED_FLOOR, summary


def test_splits_and_samples_are_fixed():
    names = dataset.database_names(SPIDER)
    assert len(names) == 133
    holdout = [n for n in names if dataset.split_of(n, names) == "holdout"]
    assert holdout == names[2::3] and len(holdout) == 44
    assert dataset.select_questions(SPIDER, split="holdout").keys() == set(holdout)

    sample = dataset.fixed_sample(SPIDER, databases=SAMPLE_DATABASES, per_db=SAMPLE_PER_DB)
    assert sample == dataset.fixed_sample(SPIDER, databases=SAMPLE_DATABASES, per_db=10)
    assert len(sample) == 50 and sum(map(len, sample.values())) >= 400
    assert not set(sample) & set(holdout)

    drawn = dataset.select_questions(SPIDER, split="dev", sample=300)
    assert sum(map(len, drawn.values())) == 300
    assert drawn == dataset.select_questions(SPIDER, split="dev", sample=300)
    assert drawn != dataset.select_questions(SPIDER, split="dev", sample=300, seed=1)
    with pytest.raises(ValueError, match="unknown spider databases"):
        dataset.select_questions(SPIDER, databases=["no_such_db"])


def test_every_spider_schema_transpiles_and_gold_mostly_runs(tmp_path):
    # The whole set into SQLite, as the full benchmark does; a few gold queries use MySQL-only
    # functions (STR_TO_DATE), which the report counts as gold errors.
    names = dataset.database_names(SPIDER)
    failures, gold_errors = {}, 0
    for name in names:
        try:
            load.load_sqlite(SPIDER, name, cache_dir=tmp_path)
        except Exception as exc:  # noqa: BLE001
            failures[name] = repr(exc)
    assert not failures
    for item in dataset.read_questions(SPIDER)[::7]:
        with sqlite3.connect(tmp_path / f"{item.database}.sqlite") as conn:
            try:
                conn.execute(bench.gold_sql(item.sql, item.database, "sqlite")).fetchall()
            except Exception:  # noqa: BLE001
                gold_errors += 1
    assert gold_errors <= 3


# --- a small made-up dataset in spider's layout --------------------------------------------

SCHEMA = """-- Dialect: mysql | Database: {name} | Table Count: 2

CREATE TABLE `{name}`.`City` (
    `id` INTEGER,
    `Name` VARCHAR(3) NOT NULL,
    `population` INT,
    `area` REAL,
    PRIMARY KEY (`id`),
    INDEX idx_name (`Name`)
);

CREATE TABLE `{name}`.`person` (
    `id` INTEGER,
    `city_id` INTEGER,
    `age` INTEGER,
    PRIMARY KEY (`id`),
    FOREIGN KEY (`city_id`) REFERENCES `{name}`.`City` (`id`)
);
"""
CITIES = "id,Name,population,area\n1,Berlin,NULL,891.7\n2,,12.5,\n3,Oslo,700000,454\n"
PEOPLE = "id,city_id,age\n1,1,30\n2,1,41\n3,3,25\n4,3,\n"
QUESTIONS = [
    ("How many persons are there?", "SELECT COUNT(*) FROM `person`"),
    ("How many persons live in a city?", "SELECT COUNT(*) FROM `{name}`.`person`"),
    ("What is the total area of cities?", "SELECT SUM(`area`) FROM `city`"),
    ("Which planets are there?", "SELECT * FROM `planet`"),  # broken gold: a gold error
]


@pytest.fixture
def mini(tmp_path) -> Path:
    """Three databases (the third is the holdout), each with the same two tables."""
    root = tmp_path / "mini-spider"
    lines = ["database,question,sql"]
    for name in ("alpha", "beta", "gamma"):
        folder = root / "databases" / name
        (folder / "data").mkdir(parents=True)
        (folder / "schema.sql").write_text(SCHEMA.format(name=name))
        (folder / "data" / "City.csv").write_text(CITIES)
        (folder / "data" / "person.csv").write_text(PEOPLE)
        for question, sql in QUESTIONS:
            lines.append(f'{name},{question},"{sql.format(name=name)}"')
    (root / "questions.csv").write_text("\n".join(lines) + "\n")
    return root


def test_csv_cells_follow_the_dataset_rules(mini, tmp_path):
    loaded = load.load_sqlite(mini, "alpha", cache_dir=tmp_path / "cache")
    assert loaded.built and loaded.rows == 7
    with sqlite3.connect(loaded.params.database) as conn:
        cities = conn.execute("SELECT id, Name, population, area FROM City ORDER BY id").fetchall()
        indexes = conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'").fetchall()
        ages = conn.execute("SELECT age FROM person ORDER BY id").fetchall()
    # NULL text -> NULL; empty -> NULL, except in a NOT NULL column ('' there); numbers typed.
    assert cities == [(1, "Berlin", None, 891.7), (2, "", 12.5, None), (3, "Oslo", 700000, 454.0)]
    assert ages == [(30,), (41,), (25,), (None,)]
    assert ("City_idx_name",) in indexes


def test_sqlite_loading_is_idempotent_and_follows_its_sources(mini, tmp_path):
    cache = tmp_path / "cache"
    assert load.load_sqlite(mini, "beta", cache_dir=cache).built
    file = cache / "beta.sqlite"
    before = file.stat().st_ino
    assert not load.load_sqlite(mini, "beta", cache_dir=cache).built
    assert file.stat().st_ino == before
    later = file.stat().st_mtime + 10
    os.utime(mini / "databases" / "beta" / "data" / "person.csv", (later, later))
    assert load.load_sqlite(mini, "beta", cache_dir=cache).built  # a newer CSV: rebuilt
    assert load.load_sqlite(mini, "beta", cache_dir=cache, rebuild=True).built
    assert not list(cache.glob("*.partial"))


def test_gold_sql_loses_the_database_prefix_and_takes_the_target_dialect():
    sql = "SELECT `T1`.`Name` FROM `alpha`.`City` AS `T1` WHERE `T1`.`Name` LIKE 'B%'"
    assert bench.gold_sql(sql, "alpha", "sqlite") == (
        'SELECT "T1"."Name" FROM "City" AS "T1" WHERE "T1"."Name" LIKE \'B%\''
    )
    # Servers hold lower-case names (PostgreSQL compares quoted names exactly).
    assert bench.gold_sql(sql, "alpha", "postgresql") == (
        'SELECT "t1"."name" FROM "city" AS "t1" WHERE "t1"."name" LIKE \'B%\''
    )


def test_refusal_reasons_group_without_their_names():
    names = {"a": frozenset({"faculty", "student", "name"}), "b": frozenset({"dorm"})}
    rows = [
        {"database": "a", "status": "refused", "reason": "I could not link 'members' to the "
         "schema; closest tables: Faculty, Student; columns: name."},
        {"database": "b", "status": "refused", "reason": "I could not link 'haven't' to the "
         "schema; closest tables: Dorm; columns: dorm."},
        {"database": "a", "status": "refused", "reason": "I could not tell what to count; "
         "name a table such as Faculty, Student."},
        {"database": "b", "status": "refused", "reason": "I could not tell what to count; "
         "name a table such as Dorm."},
        {"database": "b", "status": "refused", "reason": "dorm has no date column for 2020."},
    ]  # fmt: skip
    bench.group_refusals(rows, names)
    assert bench.top_refusals(rows) == [
        ("I could not link '…' to the schema; closest tables: …; columns: ….", 2),
        ("I could not tell what to count; name a table such as ….", 2),
        ("… has no date column for N.", 1),
    ]
    assert bench.top_refused_words(rows)[:2] == [("members", 1), ("haven't", 1)]


@pytest.mark.django_db
def test_command_reports_splits_refusals_and_gold_errors(mini, tmp_path, settings):
    settings.LLM_MODEL = ""
    out, path = io.StringIO(), tmp_path / "report.json"
    call_command(
        "eval_spider",
        "--dataset", str(mini),
        "--cache-dir", str(tmp_path / "cache"),
        "--json", str(path),
        "--show-wrong",
        stdout=out,
    )  # fmt: skip
    report = json.loads(path.read_text())
    assert set(report["databases"]) == {"alpha", "beta", "gamma"}
    assert report["databases"]["gamma"]["split"] == "holdout"
    assert set(report["splits"]) == {"dev", "holdout"}
    totals = report["totals"]
    assert totals["gold_errors"] == 3 and totals["questions"] == 9
    assert totals["answered"] == totals["correct"] + totals["wrong"] + totals["errors"]
    assert totals["questions"] == totals["answered"] + totals["refused"]
    statuses = {r["status"] for r in report["results"]}
    assert statuses <= {"match", "wrong", "error", "refused", "gold_error"}
    assert all(r["ms"] >= 0 for r in report["results"])
    # Counting rows is the simplest question there is: any engine answers it.
    first = next(r for r in report["results"] if r["number"] == 1)
    assert first["status"] == "match", first
    text = out.getvalue()
    assert "total (3 databases)" in text and "holdout (1 databases)" in text

    # Registered once, extracted once: a second run reuses both.
    from connections.models import Connection

    assert Connection.objects.filter(name__startswith="spider ").count() == 3
    call_command(
        "eval_spider", "--dataset", str(mini), "--cache-dir", str(tmp_path / "cache"),
        "--split", "holdout", stdout=io.StringIO(),
    )  # fmt: skip
    assert Connection.objects.get(name="spider gamma").snapshots.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["mysql", "postgresql"])
def test_servers_load_behind_a_read_only_account(
    kind, mini, settings, request, pg_server, mysql_server
):
    settings.LLM_MODEL = ""
    server = (mysql_server if kind == "mysql" else pg_server).params(kind, database="")
    suffix = os.getpid()
    options = bench.Options(
        root=mini,
        kind=kind,
        server=server,
        server_prefix=f"spider_test{suffix}_",
        account=f"spider_ro_{suffix}",
        databases=["alpha", "gamma"],
    )
    loader = load.server_loader(server, prefix=options.server_prefix, account=options.account)

    def clean_up():
        for name in ("alpha", "gamma"):
            loader.drop(loader.database(name))
        loader.drop_account()
        loader.close()

    request.addfinalizer(clean_up)
    report = bench.run(options)
    assert not report["skipped"], report["skipped"]
    assert report["totals"]["questions"] == 6 and report["totals"]["gold_errors"] == 2
    first = next(r for r in report["results"] if r["number"] == 1)
    assert first["status"] == "match", first

    from connections.models import Connection

    connection = Connection.objects.get(name=f"spider alpha ({kind})")
    assert connection.username == options.account  # not the admin account that loaded it
    q = "`" if kind == "mysql" else '"'
    result = connection.engine().execute(
        f"SELECT {q}name{q}, population FROM city ORDER BY id", max_rows=10, timeout=10
    )
    # VARCHAR(3) widened for 'Berlin', 12.5 kept in the INT column, as SQLite holds them.
    assert [tuple(r) for r in result.rows] == [("Berlin", None), ("", 12.5), ("Oslo", 700000)]

    # Up to date: loaded once; a run again loads nothing and reuses the snapshot.
    assert not loader.load(mini, "alpha").built
    again = bench.run(options)
    assert again["totals"]["correct"] == report["totals"]["correct"]
    assert connection.snapshots.count() == 1
