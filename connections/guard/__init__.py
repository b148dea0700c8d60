"""The SQL guard: one read-only query per call, checked on sqlglot's AST for the target dialect.

It is the first of two read-only barriers (the second is the database session, see
DESIGN.md), so it rejects generously and explains every rejection in plain words: the
reason goes back to the user and to the SQL generator's correction round.

It is an allow-list, because a deny-list of dangerous functions missed one (ts_stat runs SQL
given as a string): only a single SELECT (WITH ... SELECT, UNION/INTERSECT/EXCEPT of
SELECTs, or EXPLAIN of one) passes, every function it calls must be on its dialect's list
(`functions.py`), and every table it reads must be an ordinary table (not a catalog holding
secrets, `tables.py`) and, when the caller passes them, one of the tables of the latest
schema snapshot.

What is returned is the caller's own SQL rebuilt from the tokens sqlglot read, with comments
dropped and a LIMIT appended when needed. We deliberately do not return
`expression.sql(dialect=...)`: sqlglot 30 rewrites functions into forms our servers lack
(ClickHouse `toStartOfMonth` -> `dateTrunc`, `dateDiff` -> `DATE_DIFF`, `SAMPLE` moved after
`WHERE`, which 18.16 rejects; MySQL `REGEXP` -> `REGEXP_LIKE`, which MariaDB lacks; PostgreSQL
`"pg_sleep"(1)` -> `"PG_SLEEP"(1)`). Rebuilding from tokens still means the server runs exactly
the tokens that were checked, and dropping comments removes the place where parser
differences hide (MySQL `/*! ... */` is executed by the server, so it is rejected outright).
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError
from sqlglot.tokens import Token, TokenType

from ..dialects import SQLGLOT_DIALECTS, dialect_class
from .functions import SYNTAX_NODES
from .functions import allowed as function_allowed
from .tables import TableRefused, check_tables


class UnsafeSQLError(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# Node types that write, change the session, or are statements rather than queries. Found
# anywhere in the tree, not only at the top (PostgreSQL allows writes inside CTEs).
FORBIDDEN_NODES: tuple[type[exp.Expression], ...] = tuple(
    getattr(exp, name)
    for name in """
    Insert Update Delete Merge Create Drop Alter TruncateTable Copy Set Pragma Grant Revoke
    Attach Detach Use Kill Transaction Commit Rollback Comment Analyze LoadData Declare
    Execute Refresh Describe Show
    """.split()
)
NODE_LABELS = {exp.TruncateTable: "TRUNCATE", exp.Transaction: "BEGIN", exp.LoadData: "LOAD DATA"}

QUERY_STARTS = {"SELECT", "WITH", "("}

# Words that may stand right before "(" without being a call: syntax, not functions.
SYNTAX_WORDS = frozenset(
    """
    in exists any all some over filter as values from join on using and or not where select
    union intersect except by having when then else case distinct with lateral within group
    is between like ilike rlike regexp limit offset rows range groups preceding following
    window partition order rollup cube sets prewhere sample interval escape similar to
    tablesample bernoulli system repeatable against
    """.split()
)
# Token types of data type names (CAST(x AS DECIMAL(10, 2)), Nullable(String)).
TYPE_TOKENS = frozenset(sqlglot.parser.Parser.TYPE_TOKENS)
READ_ONLY = "Only read-only queries (SELECT, UNION, WITH ... SELECT) are allowed"


def guard_sql(
    sql: str,
    kind: str,
    *,
    limit: int | None = None,
    allowed_tables: frozenset[str] | set[str] | None = None,
) -> str:
    """Return `sql` as the one query to run, or raise UnsafeSQLError with the reason.

    `allowed_tables`: lower-case `table` and `schema.table` names from the latest schema
    snapshot; when given, every table read must be one of them (system catalogs are refused
    either way, see tables.py).
    """
    if kind not in SQLGLOT_DIALECTS:
        raise UnsafeSQLError(f"Unknown database kind {kind!r}.")
    tables = frozenset(allowed_tables) if allowed_tables is not None else None
    guarded = _guard(sql or "", kind, limit, tables, allow_explain=True)
    # What runs is text we produced, so check that text too: a rebuild that read differently
    # from the original (tokens glued after removing a comment, say) must not slip through.
    if _guard(guarded, kind, None, tables, allow_explain=True) != guarded:
        raise UnsafeSQLError("The query could not be checked reliably; please simplify it.")
    return guarded


def _guard(
    sql: str,
    kind: str,
    limit: int | None,
    tables: frozenset[str] | None,
    *,
    allow_explain: bool,
) -> str:
    dialect = SQLGLOT_DIALECTS[kind]
    if not sql.strip():
        raise UnsafeSQLError("The SQL is empty.")
    if any(marker in sql.lower() for marker in dialect_class(kind).executable_comment_markers):
        # The server executes these "comments"; sqlglot treats them as comments.
        raise UnsafeSQLError(
            f"{dialect_class(kind).label} executable comments (/*! ... */) are not allowed."
        )

    try:
        tokens = sqlglot.tokenize(sql, read=dialect)
    except SqlglotError as error:
        raise UnsafeSQLError(f"The SQL could not be parsed: {_short(error)}") from None
    statements = _split_statements(tokens)
    if not statements:
        raise UnsafeSQLError("The SQL contains no statement, only comments.")
    if len(statements) > 1:
        raise UnsafeSQLError(f"Only one statement is allowed; found {len(statements)}.")
    tokens = statements[0]

    first = tokens[0].text.upper()
    if first == "EXPLAIN" and allow_explain:
        return _guard_explain(sql, tokens[0], kind, tables)
    if first not in QUERY_STARTS:
        raise UnsafeSQLError(f"{READ_ONLY}; found {first}.")

    try:
        trees = [
            t
            for t in sqlglot.parse(sql, read=dialect)
            if t is not None and not isinstance(t, exp.Semicolon)
        ]
    except SqlglotError as error:
        # Some writes are beyond sqlglot's grammar (MySQL INTO OUTFILE); name them if we can.
        _check_tokens(tokens, kind, frozenset())
        raise UnsafeSQLError(f"The SQL could not be parsed: {_short(error)}") from None
    if len(trees) != 1:
        raise UnsafeSQLError(f"Only one statement is allowed; found {len(trees)}.")
    tree = trees[0]
    query = tree.unnest() if isinstance(tree, exp.Subquery) else tree
    if not isinstance(query, (exp.Select, exp.SetOperation)):
        _check_tree(tree, kind)  # names the write (WITH ... DELETE) when there is one
        raise UnsafeSQLError(f"{READ_ONLY}; found {first}.")
    _check_tree(tree, kind)
    # Calls on tokens before calls in the tree: tokens name a function as it was written.
    _check_tokens(tokens, kind, _declared_names(tree))
    for node in tree.find_all(exp.Func):
        _check_function_node(node, kind, dialect)
    try:
        check_tables(tree, kind, tables)
    except TableRefused as refused:
        raise UnsafeSQLError(str(refused)) from None

    text = _rebuild(sql, tokens)
    return _with_limit(text, query, kind, limit)


def _split_statements(tokens: list[Token]) -> list[list[Token]]:
    statements, current = [], []
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            if current:
                statements.append(current)
            current = []
        else:
            current.append(token)
    if current:
        statements.append(current)
    return statements


def _guard_explain(sql: str, explain: Token, kind: str, tables: frozenset[str] | None) -> str:
    """sqlglot parses EXPLAIN as an opaque Command on PostgreSQL and SQLite, so EXPLAIN is
    handled on tokens: the dialect's option words may follow it, and the rest must be a query."""
    allowed_options = dialect_class(kind).explain_options
    if allowed_options is None:
        raise UnsafeSQLError(
            f"EXPLAIN is not available on {dialect_class(kind).label}; send the query itself."
        )
    # sqlglot tokenizes everything after EXPLAIN as one opaque string, so read it afresh.
    rest = sql[explain.end + 1 :]
    try:
        tokens = sqlglot.tokenize(rest, read=SQLGLOT_DIALECTS[kind])
    except SqlglotError as error:
        raise UnsafeSQLError(f"The SQL could not be parsed: {_short(error)}") from None
    options = []
    for token in tokens:
        if token.text.upper() not in allowed_options:
            break
        options.append(token.text.upper())
    if len(options) == len(tokens):
        raise UnsafeSQLError("EXPLAIN needs a query to explain.")
    inner = _guard(rest[tokens[len(options)].start :], kind, None, tables, allow_explain=False)
    return " ".join(["EXPLAIN", *options, inner])


def _declared_names(tree: exp.Expression) -> frozenset[str]:
    """Names the query gives column lists to (`WITH r(n) AS`, `AS t(a, b)`): a "(" after
    them is not a call."""
    return frozenset(alias.name.lower() for alias in tree.find_all(exp.TableAlias) if alias.columns)


def _check_tokens(tokens: list[Token], kind: str, declared: frozenset[str]) -> None:
    """Token-level backstop for what the tree may hide or not model."""
    unicode_names = dialect_class(kind).unicode_escaped_names
    previous = None
    for token, following in zip(tokens, [*tokens[1:], None], strict=True):
        # A name followed by "(" is a call whatever sqlglot turns it into (Anonymous, a typed
        # function, a table function in FROM); quoting or a schema prefix does not hide it.
        if following is not None and following.token_type == TokenType.L_PAREN:
            _check_call(token, previous, kind, declared)
        if (
            unicode_names
            and token.text.upper() == "U"
            and following is not None
            and following.token_type == TokenType.AMP
            and following.start == token.end + 1
        ):
            # U&"\0070g_sleep" spells pg_sleep in a way no name check can see.
            raise UnsafeSQLError('PostgreSQL Unicode-escaped names (U&"...") are not allowed.')
        if token.token_type == TokenType.INTO:
            # SELECT ... INTO table / @var / OUTFILE / DUMPFILE all write somewhere.
            raise UnsafeSQLError("SELECT ... INTO is not allowed: it writes data or variables.")
        previous = token


def _check_call(token: Token, previous: Token | None, kind: str, declared: frozenset[str]) -> None:
    name = token.text
    lowered = name.lower()
    quoted = token.token_type == TokenType.IDENTIFIER
    if not any(char.isalnum() for char in lowered):
        return  # punctuation or an operator before "(": `= (`, `, (`, `) (`
    if not quoted and token.token_type in TYPE_TOKENS:
        return
    if not quoted and all(word in SYNTAX_WORDS for word in lowered.split()):
        return  # sqlglot reads some keywords as one token: "ORDER BY (", "WITHIN GROUP ("
    if lowered in declared:
        return
    _check_function_name(name, kind)
    if previous is not None and previous.token_type == TokenType.DOT:
        # myschema.upper(x) is a user-defined function, whatever its name says.
        raise UnsafeSQLError(
            f"Function {name} is not allowed with a schema prefix: call built-in functions "
            "by their plain name."
        )


def _check_function_name(name: str, kind: str) -> None:
    if not function_allowed(name, kind):
        raise UnsafeSQLError(f"Function {name} is not on the list of allowed functions.")


def _check_tree(tree: exp.Expression, kind: str) -> None:
    session_variables = dialect_class(kind).session_variables
    for node in tree.walk():
        if isinstance(node, FORBIDDEN_NODES):
            label = NODE_LABELS.get(type(node), type(node).__name__.upper())
            raise UnsafeSQLError(f"{READ_ONLY}: found {label}{_where(node)}.")
        if isinstance(node, exp.Command):
            # sqlglot's fallback for statements it does not model (CALL, VACUUM, LOCK...).
            raise UnsafeSQLError(f"{READ_ONLY}: found {str(node.this).upper()}{_where(node)}.")
        if isinstance(node, exp.Into):
            raise UnsafeSQLError("SELECT ... INTO is not allowed: it writes data or variables.")
        if isinstance(node, exp.Lock):
            raise UnsafeSQLError(
                "Row locks (FOR UPDATE, FOR SHARE, LOCK IN SHARE MODE) are "
                "not allowed in read-only queries."
            )
        if isinstance(node, exp.Select) and node.args.get("settings"):
            # SETTINGS could lift our limits (readonly=0, max_execution_time=0).
            raise UnsafeSQLError("ClickHouse SETTINGS clauses are not allowed.")
        if session_variables and isinstance(
            node, (exp.SessionParameter, exp.Parameter, exp.PropertyEQ)
        ):
            raise UnsafeSQLError(
                "MySQL variables (@@name, @name, :=) are not allowed: they read server "
                "settings or keep state in the session."
            )
        if isinstance(node, exp.Select) and node.args.get("format"):
            raise UnsafeSQLError(
                "ClickHouse FORMAT clauses are not allowed; results are read in the native format."
            )


# Nodes sqlglot keeps the written name on (ClickHouse countIf, topK(5)(x) and the like).
NAMED_CALLS = (
    exp.Anonymous,
    exp.AnonymousAggFunc,
    exp.CombinedAggFunc,
    exp.ParameterizedAgg,
    exp.CombinedParameterizedAgg,
)


def _check_function_node(node: exp.Func, kind: str, dialect: str) -> None:
    if isinstance(node, NAMED_CALLS):
        # Called by the name the author wrote.
        _check_function_name(node.name, kind)
        return
    # A typed node (exp.Count, exp.GenerateSeries...) is allowed when one of its names is:
    # sqlglot's own, or the one the dialect writes it with (ClickHouse uniq is ApproxDistinct).
    names = {node.key, *(name.lower() for name in type(node).sql_names())}
    if names & SYNTAX_NODES or any(function_allowed(name, kind) for name in names):
        return
    written = node.sql(dialect=dialect).split("(", 1)[0].strip()
    if function_allowed(written, kind):
        return
    raise UnsafeSQLError(
        f"Function {type(node).sql_names()[0]} is not on the list of allowed functions."
    )


def _where(node: exp.Expression) -> str:
    if node.find_ancestor(exp.CTE):
        return " inside a CTE"
    return " inside the query"


def _rebuild(sql: str, tokens: list[Token]) -> str:
    """The original text of `tokens`, each gap that held a comment turned into one space."""
    parts = [sql[tokens[0].start : tokens[0].end + 1]]
    for previous, token in zip(tokens, tokens[1:], strict=False):
        gap = sql[previous.end + 1 : token.start]
        parts.append(gap if gap.isspace() or not gap else " ")
        parts.append(sql[token.start : token.end + 1])
    return "".join(parts)


def _with_limit(text: str, query: exp.Expression, kind: str, limit: int | None) -> str:
    """Append a row LIMIT to the outermost query unless it has one; an existing one is kept.

    A larger existing LIMIT is left alone on purpose: execute() caps rows with max_rows
    anyway, and rewriting the author's LIMIT/OFFSET pair would change which rows come back.
    """
    if limit is None:
        return text
    existing = query.args.get("limit")
    # ClickHouse reads LIMIT after a UNION as the last SELECT's own, and `LIMIT n BY x` is
    # a per-group cap, so those get wrapped to limit the whole result.
    if dialect_class(kind).limit_needs_wrapping and (
        isinstance(query, exp.SetOperation)
        or (isinstance(existing, exp.Limit) and existing.expressions)
    ):
        return f"SELECT * FROM ({text}) LIMIT {int(limit)}"
    if existing is not None:
        return text
    return f"{text} LIMIT {int(limit)}"


def _short(error: SqlglotError) -> str:
    if isinstance(error, ParseError) and error.errors:
        first = error.errors[0]
        return f"{first.get('description')} (line {first.get('line')}, column {first.get('col')})."
    return str(error).splitlines()[0]
