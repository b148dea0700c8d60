"""A comparison as plain text lines (the command's output; the pages render the same data)."""

from __future__ import annotations

from .services import Comparison


def text_lines(result: Comparison) -> list[str]:
    schema = result.schema
    lines = [f"Comparing {result.left.name} ({result.left.kind}) with "
             f"{result.right.name} ({result.right.kind})"]  # fmt: skip
    lines += [f"  table only in {result.right.name}: {t}" for t in schema.tables_added]
    lines += [f"  table only in {result.left.name}: {t}" for t in schema.tables_removed]
    spelling = 0
    for table in schema.tables:
        lines += [f"  {table.table}: column only in {result.right.name}: {c}"
                  for c in table.columns_added]  # fmt: skip
        lines += [f"  {table.table}: column only in {result.left.name}: {c}"
                  for c in table.columns_removed]  # fmt: skip
        for change in table.changes:
            if change.what == "type spelling":
                spelling += 1
                continue
            lines.append(
                f"  {table.table}.{change.column}: {change.what} {change.left} vs {change.right}"
                + (f" ({change.detail})" if change.detail else "")
            )
        lines += [f"  {table.table}: {line}" for line in table.keys]
    if spelling:
        lines.append(f"  {spelling} column type(s) differ only in spelling (same family and size)")
    for data in result.data or []:
        if data.status == "equal":
            continue
        if data.status == "error":
            lines.append(f"  {data.table}: data not compared: {data.note}")
            continue
        if data.status == "skipped":
            lines.append(f"  {data.table}: rows not checksummed: {data.note}")
            continue
        counts = f"{data.left_rows} vs {data.right_rows} rows"
        what = "rows differ" if data.left_rows == data.right_rows else "row counts differ"
        lines.append(f"  {data.table}: {what} ({counts})" + (f"; {data.note}" if data.note else ""))
        lines += _row_keys(result, data)
    sampled = [d.table for d in result.data or [] if d.sampled]
    if sampled:
        lines.append(f"  sampled (over COMPARE_MAX_ROWS): {', '.join(sampled)}")
    lines += [f"  note: {note}" for note in result.notes]
    checked = "schema and data" if result.data is not None else "schema"
    lines.append(
        f"DIFFERENT ({checked}): {', '.join(result.differing_tables) or 'see above'}"
        if result.differs
        else f"EQUAL ({checked})"
    )
    return lines


def _row_keys(result: Comparison, data) -> list[str]:
    if not data.row_difference_counts:
        return []
    lines = []
    for keys, total, where in zip(
        (data.rows_only_left, data.rows_only_right, data.rows_changed),
        data.row_difference_counts,
        (f"only in {result.left.name}", f"only in {result.right.name}", "changed"),
        strict=True,
    ):
        if total:
            more = f" and {total - len(keys)} more" if total > len(keys) else ""
            lines.append(f"    rows {where} (key): {', '.join(keys)}{more}")
    return lines
