"""sqlglot expression helpers: ClickHouse 18 rewrites and joins along the foreign-key graph
(per-dialect date parts are the dialect classes' month_start and year_of)."""

from __future__ import annotations

from collections import deque

import sqlglot.expressions as exp

from connections.dialects.schema import SchemaDocument, Table


def col(table: Table, name: str) -> exp.Column:
    return exp.Column(
        this=exp.to_identifier(name, quoted=True), table=exp.to_identifier(table.name, quoted=True)
    )


def float_averages(tree: exp.Expression) -> exp.Expression:
    """ClickHouse 18 returns AVG() of a Decimal(10,2) as a Decimal(38,2) cut (not rounded) to
    two places, so ROUND() then gives 205.07 for 205.0753 where the other engines give 205.08:
    average in Float64 instead (metrics' own AVG() included). SUM, MIN and MAX of decimals are
    exact there."""

    def widen(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Avg) and not (
            isinstance(node.this, exp.Anonymous) and node.this.name == "toFloat64"
        ):
            return exp.Avg(this=exp.Anonymous(this="toFloat64", expressions=[node.this]))
        return node

    return tree.transform(widen)


def rename_outside(select: exp.Select) -> exp.Select:
    """ClickHouse 18 resolves `"products"."name"` to a SELECT alias `name` (so `"categories".
    "name" AS "name"` silently filters or shows the wrong table's column), yet without an alias
    it calls a joined column "<db>.categories.name". So the columns are given collision-free
    aliases inside and their plain names outside, where only one source exists:
    SELECT "categories__name" AS "name", ... FROM (...) ORDER BY ... LIMIT ..."""
    named = [
        e for e in select.expressions if isinstance(e, exp.Alias) and isinstance(e.this, exp.Column)
    ]
    if not named:
        return select
    inner = select.copy()
    inside, outside = [], []
    for e in inner.expressions:
        if isinstance(e, exp.Alias) and isinstance(e.this, exp.Column):
            hidden = f"{e.this.table}__{e.this.name}"
            inside.append(e.this.as_(hidden, quoted=True))
            outside.append(exp.column(hidden, quoted=True).as_(e.alias, quoted=True))
        else:
            inside.append(e)
            outside.append(exp.column(e.alias_or_name, quoted=True))
    # ORDER BY names outputs (the value or the month), which pass through unchanged; a ranking
    # not shown ("which genre has the most tracks": COUNT(*)) is computed inside, hidden.
    order, limit = inner.args.get("order"), inner.args.get("limit")
    for k, term in enumerate(order.expressions if order else []):
        if any(c.table for c in term.this.find_all(exp.Column)) or not isinstance(
            term.this, exp.Column
        ):
            hidden = f"__order_{k}"
            inside.append(term.this.copy().as_(hidden, quoted=True))
            term.set("this", exp.column(hidden, quoted=True))
    inner.set("expressions", inside)
    inner.set("order", None)
    inner.set("limit", None)
    outer = exp.select(*outside).from_(inner.subquery("named"))
    outer.set("order", order)
    outer.set("limit", limit)
    return outer


class JoinGraph:
    """Undirected FK graph; edges keep the column pairs needed for the ON clause."""

    def __init__(self, document: SchemaDocument):
        self.tables = {t.qualified_name: t for t in document.tables}
        self.edges: dict[str, list[tuple[str, list[tuple[str, str]]]]] = {
            n: [] for n in self.tables
        }
        for table in document.tables:
            for fk in table.foreign_keys:
                target = (
                    f"{fk.referred_schema}.{fk.referred_table}"
                    if fk.referred_schema
                    else fk.referred_table
                )
                if target not in self.tables:
                    target = next(
                        (n for n, t in self.tables.items() if t.name == fk.referred_table), None
                    )
                if not target or target == table.qualified_name:
                    continue  # self-references (ReportsTo) never help to connect two tables
                pairs = list(zip(fk.columns, fk.referred_columns, strict=False))
                self.edges[table.qualified_name].append((target, pairs))
                self.edges[target].append((table.qualified_name, [(b, a) for a, b in pairs]))
        self._implied_keys(document, declared=any(t.foreign_keys for t in document.tables))

    def _implied_keys(self, document: SchemaDocument, declared: bool) -> None:
        """Engines without declared foreign keys (ClickHouse): join `customer_id` to the `id`
        of the table named `customers`/`customer`, the naming convention nearly every schema uses.
        Where some keys are declared, only a column in no declared key that has the very name
        of the other table's primary key (Accounts.customer_id, Customers.customer_id): a
        schema that declared some keys may have left one out, not named things by chance."""
        from .linking import split_identifier

        by_words = {tuple(split_identifier(t.name)): t for t in document.tables}
        for table in document.tables:
            keyed = {c for fk in table.foreign_keys for c in fk.columns}
            for column in table.columns:
                words = tuple(split_identifier(column.name))
                target = by_words.get(words[:-1]) if len(words) > 1 and words[-1] == "id" else None
                if target is None or target is table:
                    continue
                if declared and (
                    column.name in keyed
                    or list(target.primary_key or []) != [column.name]
                    or any(t == target.qualified_name for t, _ in self.edges[table.qualified_name])
                ):
                    continue
                key = next(
                    (
                        c.name
                        for c in target.columns
                        if split_identifier(c.name) in (["id"], list(words))
                    ),
                    None,
                )
                if key:
                    pairs = [(column.name, key)]
                    self.edges[table.qualified_name].append((target.qualified_name, pairs))
                    self.edges[target.qualified_name].append(
                        (table.qualified_name, [(key, column.name)])
                    )

    def path(self, start: str, goal: str) -> list[tuple[str, str, list[tuple[str, str]]]] | None:
        """Shortest list of hops (from, to, column pairs); ties broken by declaration order."""
        if start == goal:
            return []
        previous: dict[str, tuple[str, list]] = {start: ("", [])}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for nxt, pairs in self.edges[node]:
                if nxt in previous:
                    continue
                previous[nxt] = (node, pairs)
                if nxt == goal:
                    hops = []
                    while nxt != start:
                        before, pairs = previous[nxt]
                        hops.append((before, nxt, pairs))
                        nxt = before
                    return hops[::-1]
                queue.append(nxt)
        return None

    def duplicates_rows_of(self, start: str, others: list[str]) -> bool:
        """True when joining `others` repeats rows of `start`: some hop on a path from it goes
        from a parent to its children (the join columns are not a key of the table reached),
        so a SUM over `start`'s columns would count a row once per child."""
        for goal in others:
            for _, after, pairs in self.path(start, goal) or []:
                table = self.tables[after]
                # Names compared without case: SQL identifiers are case-insensitive and schemas
                # spell a foreign key's target as they like (loan.cust_ID -> customer.Cust_ID).
                key = {k.lower() for k in table.primary_key} or {
                    c.name.lower() for c in table.columns if c.name.lower() == "id"
                }
                if not key or not key <= {b.lower() for _, b in pairs}:
                    return True
        return False

    def distance(self, start: str, goal: str) -> int:
        hops = self.path(start, goal)
        return 99 if hops is None else len(hops)

    def join(
        self, select: exp.Select, start: str, others: list[str], kind: str
    ) -> exp.Select | None:
        """Add the joins that connect `others` to `start`; None when one is unreachable."""
        joined = {start}
        for goal in others:
            hops = self.path(start, goal)
            if hops is None:
                return None
            for before, after, pairs in hops:
                if after in joined:
                    continue
                joined.add(after)
                left, right = self.tables[before], self.tables[after]
                on = exp.and_(
                    *[exp.EQ(this=col(left, a), expression=col(right, b)) for a, b in pairs]
                )
                select = select.join(right.sql_ref(kind), on=on, join_type="inner")
        return select


def nest_joins(select: exp.Select) -> exp.Select | None:
    """The same query with at most one JOIN per SELECT, for ClickHouse 18 (which rejects a
    second JOIN): the first two tables are joined in a subquery that exposes every column the
    query uses as "table__column", that subquery is joined with the next table, and so on; the
    outer query reads the nested columns through the last subquery's alias. None when the
    query selects `table.*` from a nested table (its columns are not listed one by one)."""
    joins = select.args.get("joins") or []
    if len(joins) < 2:
        return select
    select = select.copy()
    joins = select.args["joins"]
    used = {(c.table, c.name) for c in select.find_all(exp.Column) if c.table}
    if any(name == "*" for _, name in used):
        return None

    def exposed(table: str, column: str) -> str:
        return f"{table}__{column}"

    def reread(node: exp.Expression, nested: set[str], alias: str | None) -> exp.Expression:
        if alias is None:
            return node
        return node.transform(
            lambda n: (
                exp.column(exposed(n.table, n.name), table=alias, quoted=True)
                if isinstance(n, exp.Column) and n.table in nested
                else n
            )
        )

    left: exp.Expression = select.args["from_"].this
    nested = {left.alias_or_name}
    alias = None
    for number, join in enumerate(joins[:-1], 1):
        right = join.this.alias_or_name
        columns = []
        for table, column in sorted(used):
            if table in nested:
                source = (
                    exp.column(exposed(table, column), table=alias, quoted=True)
                    if alias
                    else exp.column(column, table=table, quoted=True)
                )
            elif table == right:
                source = exp.column(column, table=table, quoted=True)
            else:
                continue
            columns.append(source.as_(exposed(table, column), quoted=True))
        on = reread(join.args["on"].copy(), nested, alias)
        inner = exp.select(*columns).from_(left).join(join.this.copy(), on=on, join_type="inner")
        alias = f"j{number}"
        left = inner.subquery(alias)
        nested = nested | {right}
    select.set("from_", exp.From(this=left))
    select.set("joins", [joins[-1]])
    # Everything outside the FROM: outputs, WHERE, GROUP BY, ORDER BY and the last ON.
    for key in ("expressions", "joins", "where", "group", "having", "order"):
        value = select.args.get(key)
        if isinstance(value, list):
            select.set(key, [reread(v, nested, alias) for v in value])
        elif value is not None:
            select.set(key, reread(value, nested, alias))
    return select
