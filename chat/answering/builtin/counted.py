"""Counts kept in a column: "the number of rooms" where a column room_count (num_of_rooms)
holds it is that column, not a count of rows."""

from __future__ import annotations


def counted_columns(ms: tuple, tokens, lex) -> tuple:
    """The column after "number of", with "number of" kept as a count word only when "total"
    says to add it up."""
    from .mentions import Mention  # mentions imports this module

    out = list(ms)
    for k in range(len(out) - 1):
        c, x = out[k], out[k + 1]
        if not c.is_role("count") or x.kind != "unknown" or " " in x.text:
            continue  # "the number of invoices" (a table) counts its rows
        word = tokens[x.start].norm
        total = c.text.startswith("total")
        for key in ((word, "count"), ("number", word)):
            # room_count is a count by its name even where it is typed as text (shown, not
            # added up: "total" over a text column would count its values instead)
            refs = [
                ref
                for ref in lex.columns.get(key, [])
                if lex.is_numeric(ref.column) or (key[-1] == "count" and not total)
            ]
            if refs:
                out[k + 1] = Mention("column", x.start, x.end, " ".join(key), columns=tuple(refs))
                if not total:
                    out[k] = Mention("function", c.start, c.end, c.text)
                break
    return tuple(out)
