"""The change between two runs of a report: a single value's delta and percent, or for a
table the rows added, removed and changed (by the first column when it is a key on both
sides, by the whole row otherwise)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def _table(result: dict | None) -> tuple[list, list] | None:
    """The run's table: the merged one, or the one database that answered."""
    if not result:
        return None
    if result.get("merged"):
        return result["merged"]["columns"], result["merged"]["rows"]
    answered = [d for d in result.get("databases", []) if d.get("columns") and not d["error"]]
    if len(answered) != 1:
        return None
    return answered[0]["columns"], answered[0]["rows"]


def _number(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def compare(previous: dict | None, current: dict | None) -> dict:
    now, before = _table(current), _table(previous)
    if now is None:
        return {"kind": "none"}
    if before is None:
        return {"kind": "first"}
    (columns, rows), (old_columns, old_rows) = now, before
    if columns != old_columns:
        return {"kind": "columns", "previous": old_columns, "current": columns}
    if len(columns) == 1 and len(rows) == 1 and len(old_rows) == 1:
        new, old = _number(rows[0][0]), _number(old_rows[0][0])
        if new is not None and old is not None:
            delta = new - old
            percent = float(delta / abs(old) * 100) if old else None
            return {
                "kind": "value",
                "previous": old_rows[0][0],
                "current": rows[0][0],
                "delta": float(delta) if delta != delta.to_integral() else int(delta),
                "percent": None if percent is None else round(percent, 2),
            }
    return _rows_change(columns, old_rows, rows)


def _rows_change(columns: list, old_rows: list, rows: list) -> dict:
    def keyed(table):
        return {repr(row[0]): row for row in table}

    old_keys, new_keys = keyed(old_rows), keyed(rows)
    if len(columns) > 1 and len(old_keys) == len(old_rows) and len(new_keys) == len(rows):
        added = new_keys.keys() - old_keys.keys()
        removed = old_keys.keys() - new_keys.keys()
        changed = [k for k in new_keys.keys() & old_keys.keys() if new_keys[k] != old_keys[k]]
        by = f"key column {columns[0]}"
        counts = len(added), len(removed), len(changed)
    else:
        old_set = [repr(r) for r in old_rows]
        new_set = [repr(r) for r in rows]
        counts = (
            len([r for r in new_set if r not in old_set]),
            len([r for r in old_set if r not in new_set]),
            0,
        )
        by = "whole row"
    added, removed, changed = counts
    return {
        "kind": "rows",
        "by": by,
        "added": added,
        "removed": removed,
        "changed": changed,
        "previous_count": len(old_rows),
        "current_count": len(rows),
    }


def describe(change: dict | None) -> str:
    """The change in one sentence, for the pages and the email."""
    kind = (change or {}).get("kind")
    if kind == "first":
        return "First run: nothing to compare with yet."
    if kind == "value":
        pct = change["percent"]
        if change["delta"] == 0:
            return f"Unchanged since the previous run ({change['current']})."
        sign = "+" if change["delta"] > 0 else ""
        share = f", {sign}{pct}%" if pct is not None else ""
        return f"{change['previous']} → {change['current']} ({sign}{change['delta']}{share})."
    if kind == "rows":
        if not (change["added"] or change["removed"] or change["changed"]):
            return f"Same {change['current_count']} rows as the previous run."
        return (
            f"Since the previous run: {change['added']} rows added, {change['removed']} removed, "
            f"{change['changed']} changed (compared by {change['by']}); "
            f"{change['previous_count']} → {change['current_count']} rows."
        )
    if kind == "columns":
        return "The columns differ from the previous run's: not compared."
    return "No result to compare."
