"""Bounds on how many rows, said after the number: "customers with two or more accounts",
"stations with 5 or fewer docks". Read in the usual order, bound first ("at least two
accounts"), so the rules that read "at least N <rows>" (HAVING COUNT, or a column compared)
read them; nothing is dropped.

Only when what the number bounds follows right after the bound (a table or a column): "a
price of 100 or more" bounds the column named before it, which the comparison rules read.
"""

from __future__ import annotations

from dataclasses import replace

from .mentions import Mention

# The trailing bounds that can stand before the number with the same meaning.
TRAILING = {"or more", "or greater", "or less", "or fewer"}


def bound_first(ms: tuple[Mention, ...]) -> tuple[Mention, ...]:
    out = list(ms)
    for k in range(len(out) - 2):
        number, bound, counted = out[k], out[k + 1], out[k + 2]
        if number.kind != "number" or not bound.is_role("cmp") or bound.text not in TRAILING:
            continue
        if counted.kind not in ("table", "column"):
            continue
        if k > 0 and (out[k - 1].is_role("cmp", "between") or out[k - 1].kind == "column"):
            continue  # "more than 2 or more", "price 100 or more": not a count's bound
        # The bound takes the number's place in the sentence and the number the bound's:
        # positions stay increasing for the readers that look at token spans.
        out[k] = replace(bound, start=number.start, end=number.start + 1)
        out[k + 1] = replace(number, start=number.start + 1, end=bound.end)
    return tuple(out)
