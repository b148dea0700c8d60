"""Run spider-train through the product: load, register, extract with profiles, ask, grade.

Each database is loaded (chat.answering.spider.load), registered as a Connection named
`spider <name>` (or `spider <name> (<kind>)` on a server), extracted with column profiles by
schemas_app's own service, and its questions are asked through answer_question and graded by
chat.answering.evaluation.evaluate: the same path and the same row comparison as the shipped
question sets. A database that cannot be loaded or extracted is reported and skipped.

Measures (per database, per split, in total), over questions whose gold SQL runs:
answered (not refused; a query that fails counts as answered and not correct), correct
(same rows as the gold), execution accuracy = correct / questions, precision = correct /
answered, refusal reasons grouped, and ms per question (answer_question's total).
"""

from __future__ import annotations

import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp

from connections.dialects import SQLGLOT_DIALECTS, ConnectionParams, retire_engine
from connections.models import Connection

from . import dataset, load

REPORT_VERSION = 1


@dataclass
class Options:
    root: Path = field(default_factory=dataset.default_root)
    kind: str = "sqlite"  # sqlite | mysql | postgresql
    server: ConnectionParams | None = None  # for mysql / postgresql: where to load (admin)
    server_prefix: str = load.SERVER_DATABASE_PREFIX  # database name = prefix + spider name
    account: str = load.ACCOUNT  # the read-only account the registered connections use
    cache_dir: Path | None = None  # SQLite files (default ~/.cache/datachat/spider)
    rebuild: bool = False  # reload databases even when up to date
    reextract: bool = False  # extract again even when a snapshot exists
    databases: list[str] | None = None
    split: str = "all"
    limit_per_db: int | None = None
    sample: int | None = None
    seed: int = dataset.DEFAULT_SEED
    questions: dict[str, list[dataset.SpiderQuestion]] | None = None  # chosen by the caller


def gold_sql(sql: str, database: str, kind: str) -> str:
    """The gold query for the loaded copy: no `<database>.` prefix (a few gold queries carry
    it), transpiled from MySQL, names in lower case on servers (as they were loaded)."""
    tree = sqlglot.parse_one(sql, read="mysql")
    for table in tree.find_all(exp.Table):
        if table.args.get("db") and table.text("db").lower() == database.lower():
            table.set("db", None)
    if kind != "sqlite":
        dataset.lowercase_identifiers(tree)
    return tree.sql(dialect=SQLGLOT_DIALECTS[kind])


def schema_names(root: Path, name: str) -> frozenset[str]:
    """Lower-case table and column names of one database (for grouping refusal reasons)."""
    tables = dataset.read_schema(root, name)
    return frozenset(n.lower() for t in tables for n in (t.name, *(c.name for c in t.columns)))


def register(name: str, kind: str, params: ConnectionParams) -> Connection:
    """The Connection of one spider database, created or pointed at the loaded copy."""
    label = f"spider {name}" if kind == "sqlite" else f"spider {name} ({kind})"
    connection, _ = Connection.objects.update_or_create(
        name=label,
        defaults=dict(
            kind=kind,
            host=params.host,
            port=params.port,
            database=params.database,
            username=params.username,
            password=params.password,
            options=dict(params.options),
            description="spider-train benchmark database (manage.py eval_spider)",
            tags=["spider"],
            # Public benchmark data: an LLM run sees values, as before issue 18.
            data_exposure="values",
        ),
    )
    return connection


def prepare(connection: Connection, *, reextract: bool) -> str | None:
    """Extract with profiles unless a good snapshot exists; returns an error or None."""
    from schemas_app.services import ExtractionBusy, extract_now, latest_snapshot

    if latest_snapshot(connection) is not None and not reextract:
        return None
    try:
        snapshot = extract_now(connection, with_profile=True)
    except ExtractionBusy as exc:
        return str(exc)
    if snapshot.status != "succeeded":
        return f"extraction failed: {snapshot.error}"
    return None


def run(options: Options, *, progress: Callable[[str, dict], None] | None = None) -> dict:
    """The whole benchmark; returns the report (see summarise). `progress(name, totals)` is
    called after each database (totals None when it was skipped)."""
    started = time.monotonic()
    chosen = options.questions or dataset.select_questions(
        options.root,
        databases=options.databases,
        split=options.split,
        limit_per_db=options.limit_per_db,
        sample=options.sample,
        seed=options.seed,
    )
    state = _Run(options, dataset.database_names(options.root))
    try:
        for name, questions in chosen.items():
            ok = state.database(name, questions)
            if progress is not None:
                progress(name, totals(state.rows_of(name)) if ok else None)
    finally:
        if state.loader is not None:
            state.loader.close()
    group_refusals(state.results, state.names)
    return summarise(
        state.results,
        options=options,
        engine=state.engine,
        skipped=state.skipped,
        warnings=state.warnings,
        timings={k: round(v, 1) for k, v in state.timings.items()},
        duration_s=round(time.monotonic() - started, 1),
    )


class _Run:
    """What one run collects, database after database."""

    def __init__(self, options: Options, all_names: list[str]):
        self.options = options
        self.all_names = all_names
        self.results: list[dict] = []
        self.skipped: dict[str, str] = {}
        self.warnings: dict[str, list[str]] = {}
        self.names: dict[str, frozenset[str]] = {}  # schema names, to group refusals
        self.timings = {"load_s": 0.0, "extract_s": 0.0, "ask_s": 0.0}
        self.engine = "none"
        self.loader: load.ServerLoader | None = None

    def rows_of(self, name: str) -> list[dict]:
        return [r for r in self.results if r["database"] == name]

    def load(self, name: str) -> load.Loaded:
        o = self.options
        if o.kind == "sqlite":
            return load.load_sqlite(o.root, name, cache_dir=o.cache_dir, rebuild=o.rebuild)
        if self.loader is None:
            if o.server is None:
                raise ValueError(f"loading into {o.kind} needs a server URL")
            self.loader = load.server_loader(o.server, prefix=o.server_prefix, account=o.account)
        return self.loader.load(o.root, name, rebuild=o.rebuild)

    def database(self, name: str, questions: list[dataset.SpiderQuestion]) -> bool:
        phase = time.monotonic()
        try:
            loaded = self.load(name)
        except Exception as exc:  # noqa: BLE001  (DDL, data or server: report, go on)
            self.skipped[name] = f"load failed: {exc.__class__.__name__}: {str(exc)[:200]}"
            return False
        finally:
            self.timings["load_s"] += time.monotonic() - phase
        if loaded.warnings:
            self.warnings[name] = loaded.warnings
        connection = register(name, self.options.kind, loaded.params)
        try:
            return self.ask(name, connection, questions, loaded.built)
        finally:
            # One database at a time: its pool must not hold server connections while the
            # next hundred databases open theirs.
            retire_engine(str(connection.id))

    def ask(self, name, connection, questions, built: bool) -> bool:
        from ..evaluation import evaluate

        kind = self.options.kind
        phase = time.monotonic()
        error = prepare(connection, reextract=self.options.reextract or built)
        self.timings["extract_s"] += time.monotonic() - phase
        if error:
            self.skipped[name] = error
            return False
        phase = time.monotonic()
        split = dataset.split_of(name, self.all_names)
        items, rows = [], []
        for q in questions:
            base = {"database": name, "split": split, "number": q.number}
            try:
                gold = gold_sql(q.sql, name, kind)
            except sqlglot.errors.SqlglotError as exc:
                error = f"gold does not transpile: {exc}"[:300]
                self.results.append({**base, "question": q.question, "status": "gold_error",
                                     "ms": 0.0, "error": error})  # fmt: skip
                continue
            items.append({"question": q.question, "sql": q.sql, f"sql_{kind}": gold})
            rows.append(base)
        report = evaluate(connection, items, gold_first=True)
        self.timings["ask_s"] += time.monotonic() - phase
        if report["engine"] != "none":
            self.engine = report["engine"]
        self.names[name] = schema_names(self.options.root, name)
        for base, row in zip(rows, report["results"], strict=True):
            row.pop("must_refuse", None)
            self.results.append({**base, **row})
        return True


# --- report -------------------------------------------------------------------------------

# An apostrophe followed by a letter is inside a word ('haven't', 'engineer's').
_QUOTED = re.compile(r"'(?:[^']|'(?=\w))*'|\"[^\"]*\"|“[^”]*”|‘[^’]*’|`[^`]*`")
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")
_WORD = re.compile(r"\w+(?:\.\w+)*")  # a name, maybe qualified (main.Dorm)
_AFTER_COLON = re.compile(r"(:\s*)([^;:]*?)(?=;|\.\s|\.$|$)")
_QUOTED_LIST = re.compile(r"'…'(?:(?:\s*,\s*|,?\s+(?:and|or)\s+)'…')+")
_LIST = re.compile(r"…(?:(?:\s*,\s*|\s+and\s+|\s+or\s+|,?\s+or\s+)…)+")


def refusal_kind(reason: str, names: frozenset[str] = frozenset(), keep=frozenset()) -> str:
    """A refusal with what is particular to one question blanked, so reasons group across
    questions and databases: quoted text, numbers, and the database's own table and column
    names (`names`, lower case) except words in `keep`. "I could not link 'members';
    closest tables: Activity, Faculty" and "... 'dorms'; closest tables: Dorm" are one."""
    text = _QUOTED.sub("'…'", reason or "")
    text = _NUMBER.sub("N", text)
    if names:
        # A list after a colon that holds a name is a list of names ("columns: name, Date").
        text = _AFTER_COLON.sub(lambda m: m[1] + "…" if _names_in(m, names) else m[0], text)
        text = _WORD.sub(lambda m: "…" if _is_name(m[0], names, keep) else m[0], text)
    text = _LIST.sub("…", text)
    text = _QUOTED_LIST.sub("'…'", text)  # "I could not place 'a', 'b' and 'c'"
    return re.sub(r"\s+", " ", text).strip()[:200]


def group_refusals(rows: list[dict], names: dict[str, frozenset[str]]) -> None:
    """Set `reason_kind` on refused rows. A word the refusals use on databases where it is
    no table or column ('name' in "name a table such as", 'date') is the engine's own
    wording: it stays, even on a database that has a column of that name."""
    refused = [r for r in rows if r["status"] == "refused"]
    wording = {
        word.lower()
        for r in refused
        for word in _WORD.findall(_QUOTED.sub(" ", r.get("reason", "")))
        if not _is_name(word, names.get(r["database"], frozenset()), frozenset())
    }
    for r in refused:
        r["reason_kind"] = refusal_kind(
            r.get("reason", ""), names.get(r["database"], frozenset()), frozenset(wording)
        )


def _names_in(match: re.Match, names: frozenset[str]) -> bool:
    return any(_is_name(w, names, frozenset()) for w in _WORD.findall(match[2]))


def _is_name(word: str, names: frozenset[str], keep: frozenset[str]) -> bool:
    word = word.strip(".").lower()
    if word in keep:
        return False
    return word in names or ("." in word and word.rsplit(".", 1)[-1] in names)


def quoted_words(reason: str) -> list[str]:
    return [q.strip("'\"“”‘’`").lower() for q in _QUOTED.findall(reason or "")]


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1], 1)


def totals(rows: list[dict]) -> dict:
    graded = [r for r in rows if r["status"] != "gold_error"]
    answered = [r for r in graded if r["status"] in ("match", "wrong", "error")]
    correct = sum(1 for r in graded if r["status"] == "match")
    ms = [r["ms"] for r in graded]
    return {
        "questions": len(graded),
        "answered": len(answered),
        "answered_pct": _pct(len(answered), len(graded)),
        "correct": correct,
        "wrong": sum(1 for r in graded if r["status"] == "wrong"),
        "errors": sum(1 for r in graded if r["status"] == "error"),
        "refused": sum(1 for r in graded if r["status"] == "refused"),
        "execution_accuracy_pct": _pct(correct, len(graded)),
        "precision_pct": _pct(correct, len(answered)),
        "ms_p50": _percentile(ms, 50),
        "ms_p95": _percentile(ms, 95),
        "gold_errors": len(rows) - len(graded),
    }


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def top_refusals(rows: list[dict], n: int = 10) -> list[tuple[str, int]]:
    refused = [r for r in rows if r["status"] == "refused"]
    return Counter(r.get("reason_kind") or r.get("reason", "") for r in refused).most_common(n)


def top_refused_words(rows: list[dict], n: int = 20) -> list[tuple[str, int]]:
    """The words refusals quote first (the word that could not be placed, in most)."""
    words = Counter()
    for r in rows:
        if r["status"] == "refused" and (quoted := quoted_words(r.get("reason", ""))):
            words[quoted[0]] += 1
    return words.most_common(n)


def summarise(results: list[dict], **meta) -> dict:
    options: Options = meta.pop("options")
    databases = sorted({r["database"] for r in results})
    by_split = {
        split: totals([r for r in results if r["split"] == split])
        for split in ("dev", "holdout")
        if any(r["split"] == split for r in results)
    }
    return {
        "report_version": REPORT_VERSION,
        "dataset": str(options.root),
        "kind": options.kind,
        "split": options.split,
        "sample": options.sample,
        "seed": options.seed,
        "limit_per_db": options.limit_per_db,
        **meta,
        "totals": totals(results),
        "splits": by_split,
        "top_refusals": top_refusals(results),
        "top_refused_words": top_refused_words(results),
        "databases": {
            name: {
                "split": next(r["split"] for r in results if r["database"] == name),
                **totals([r for r in results if r["database"] == name]),
            }
            for name in databases
        },
        "results": results,
    }


def format_summary(report: dict, *, per_database: bool = True) -> list[str]:
    """The report as lines of text: one row per database, then the splits and the total."""
    head = f"{'database':<32} {'split':<8} {'q':>5} {'answered':>13} {'correct':>7}"
    head += f" {'EX %':>6} {'prec %':>6} {'wrong':>5} {'err':>4} {'p50 ms':>7} {'p95 ms':>7}"
    lines = [head, "-" * len(head)]

    def line(label: str, split: str, t: dict) -> str:
        answered = f"{t['answered']} ({t['answered_pct']:.1f}%)"
        return (
            f"{label[:32]:<32} {split:<8} {t['questions']:>5} {answered:>13} {t['correct']:>7}"
            f" {t['execution_accuracy_pct']:>6.1f} {t['precision_pct']:>6.1f} {t['wrong']:>5}"
            f" {t['errors']:>4} {t['ms_p50']:>7.1f} {t['ms_p95']:>7.1f}"
        )

    if per_database:
        for name, t in report["databases"].items():
            lines.append(line(name, t["split"], t))
        lines.append("-" * len(head))
    for split, t in report["splits"].items():
        lines.append(line(f"{split} ({_count(report, split)} databases)", split, t))
    lines.append(line(f"total ({len(report['databases'])} databases)", "", report["totals"]))
    lines.append("")
    lines.append(
        f"engine {report['engine']} on {report['kind']}; {report['totals']['gold_errors']} "
        f"gold errors; {report['duration_s']} s "
        f"(load {report['timings']['load_s']} s, extract {report['timings']['extract_s']} s, "
        f"ask {report['timings']['ask_s']} s)"
    )
    for name, reason in report["skipped"].items():
        lines.append(f"skipped {name}: {reason}")
    if report["top_refusals"]:
        lines.append("")
        lines.append("most common refusal reasons:")
        for reason, count in report["top_refusals"]:
            lines.append(f"{count:>6}  {reason}")
        words = ", ".join(f"{w} ({n})" for w, n in report["top_refused_words"])
        lines.append(f"words refusals name most: {words}")
    return lines


def _count(report: dict, split: str) -> int:
    return sum(1 for t in report["databases"].values() if t["split"] == split)


def format_wrong(report: dict) -> list[str]:
    """Wrong answers and failed queries with the question, gold and predicted SQL."""
    lines = []
    for r in report["results"]:
        if r["status"] in ("wrong", "error"):
            lines.append(f"[{r['status']}] {r['database']} #{r['number']}: {r['question']}")
            lines.append(f"    gold:      {r.get('gold') or ''}")
            lines.append(f"    predicted: {r.get('predicted') or ''}")
            if r.get("error"):
                lines.append(f"    error:     {r['error']}")
    return lines
