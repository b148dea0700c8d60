"""Robustness of right answers to how a schema spells its names, on spider-train's DEV split:
each database is asked again on a copy whose identifiers are respelt in ways that keep their
meaning, and every answer that was right is compared with the new one, mapped back to the
original names. A right answer that turns into a different answer (not a refusal) rests on
something incidental in the names: a guess that new schemas will not repeat.

    .venv/bin/python benchmarks/bench_spider.py --split dev --no-per-db --json /tmp/dev.json
    .venv/bin/python benchmarks/bench_perturb.py --report /tmp/dev.json [--style case|plural]

Styles: `case` swaps snake_case and CamelCase (first_name <-> FirstName); `plural` makes
singular table names plural and plural ones singular (student <-> students). Printed: per
style, how many right answers stay the same, turn into refusals, or change, and each change
(question, old and new SQL on the original names). Holdout databases are never read.
"""

import argparse
import copy
import json
import os
import re
import sys
from collections import Counter, defaultdict
from dataclasses import fields, is_dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "datachat.settings")

import django  # noqa: E402

django.setup()

from bench_word_drops import schema_of  # noqa: E402

from chat.answering.builtin.compiler import compile_sql  # noqa: E402
from chat.answering.builtin.engine import understand  # noqa: E402
from chat.answering.builtin.index import lexicon_for  # noqa: E402
from chat.answering.builtin.interpretation import Col  # noqa: E402
from chat.answering.builtin.reader import Refusal  # noqa: E402
from chat.answering.builtin.words import singular  # noqa: E402


def _parts(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    return [p for p in re.split(r"[\s_\-.]+", spaced) if p]


def swap_case(name: str) -> str:
    """first_name -> FirstName, FirstName -> first_name (one-word names unchanged)."""
    parts = _parts(name)
    if len(parts) < 2:
        return name
    if "_" in name:
        return "".join(p[:1].upper() + p[1:].lower() for p in parts)
    return "_".join(p.lower() for p in parts)


def swap_plural(name: str) -> str:
    """The last word of a table name: singular <-> plural, keeping the rest as written."""
    head, last = re.match(r"^(.*?)([A-Za-z]+)$", name).groups() if name[-1:].isalpha() else ("", "")
    if not last:
        return name
    one = singular(last.lower())
    if one != last.lower():  # plural -> singular
        return head + last[: len(one)] if last.lower().startswith(one) else name
    return head + last + ("es" if last.lower().endswith(("s", "x", "ch", "sh")) else "s")


def respelt(document, profiles, style: str):
    """A renamed copy of (document, profiles) and the maps back: table and (table, column)."""
    doc = copy.deepcopy(document)
    tables = {t.name: (swap_plural(t.name) if style == "plural" else swap_case(t.name))
              for t in doc.tables}  # fmt: skip
    if len(set(tables.values())) != len(tables):
        return None
    columns = {}
    for t in doc.tables:
        renamed = {c.name: (c.name if style == "plural" else swap_case(c.name)) for c in t.columns}
        if len(set(renamed.values())) != len(renamed):
            return None
        columns[t.name] = renamed
    new_profiles = {}
    for t in doc.tables:
        old_q = t.qualified_name
        cols = columns[t.name]
        for c in t.columns:
            c.name = cols[c.name]
        t.primary_key = [cols.get(k, k) for k in t.primary_key]
        for fk in t.foreign_keys:
            fk.columns = [cols.get(k, k) for k in fk.columns]
            referred = columns.get(fk.referred_table, {})
            fk.referred_columns = [referred.get(k, k) for k in fk.referred_columns]
            fk.referred_table = tables.get(fk.referred_table, fk.referred_table)
        t.name = tables[t.name]
        profile = profiles.get(old_q) or {}
        new_profiles[t.qualified_name] = {cols.get(k, k): v for k, v in profile.items()}
    back_t = {f"{t.schema}.{tables_new}".lstrip("."): f"{t.schema}.{old}".lstrip(".")
              for t in doc.tables for old, tables_new in tables.items() if tables_new == t.name}  # fmt: skip
    back_c = {
        (new_q, columns[back_t[new_q].split(".")[-1]][old_c]): old_c
        for new_q in back_t
        for old_c in columns[back_t[new_q].split(".")[-1]]
    }
    return doc, new_profiles, back_t, back_c


def mapped_back(value, back_t: dict, back_c: dict):
    """The same Interpretation value in the original names."""
    if isinstance(value, Col):
        table = back_t.get(value.table, value.table)
        return replace(
            value,
            table=table,
            column=back_c.get((value.table, value.column), value.column),
            times=back_c.get((value.table, value.times), value.times),
        )
    if is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in fields(value):
            v = getattr(value, f.name)
            if f.name in ("table", "subject") and isinstance(v, str):
                changes[f.name] = back_t.get(v, v)
            elif f.name != "notes":
                changes[f.name] = mapped_back(v, back_t, back_c)
        return replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(mapped_back(v, back_t, back_c) for v in value)
    if isinstance(value, list):
        return [mapped_back(v, back_t, back_c) for v in value]
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("--style", choices=("case", "plural"), action="append")
    o = parser.parse_args()
    rows = [r for r in json.loads(o.report.read_text())["results"] if r.get("split") == "dev"]
    right = defaultdict(list)
    for r in rows:
        if r["status"] == "match":
            right[r["database"]].append(r["question"])
    for style in o.style or ["case", "plural"]:
        outcome, changed = Counter(), []
        for name in sorted(right):
            document, profiles = schema_of(name)
            lex = lexicon_for(document, profiles)
            copied = respelt(document, profiles, style)
            if copied is None:
                outcome["schema skipped (names collide)"] += len(right[name])
                continue
            doc2, profiles2, back_t, back_c = copied
            lex2 = lexicon_for(doc2, profiles2)
            for question in right[name]:
                try:
                    before = understand(question, lex).interpretation
                except Refusal:
                    continue
                try:
                    after = mapped_back(understand(question, lex2).interpretation, back_t, back_c)
                except Refusal:
                    outcome["refused"] += 1
                    continue
                if after == before:
                    outcome["same"] += 1
                    continue
                outcome["changed"] += 1
                try:
                    new_sql = compile_sql(after, lex, "sqlite")
                except Exception as exc:  # a mapped-back reading the original cannot build
                    new_sql = f"({exc})"
                changed.append((name, question, compile_sql(before, lex, "sqlite"), new_sql))
        print(f"style {style}: " + ", ".join(f"{k} {v}" for k, v in outcome.most_common()))
        for name, question, old, new in changed:
            print(f"  {name}: {question}\n    was {old}\n    now {new}")


if __name__ == "__main__":
    main()
