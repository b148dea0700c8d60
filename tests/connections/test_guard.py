"""The SQL guard: a corpus of dangerous statements (each rejected with its reason) and of
legitimate queries (each passed, with a LIMIT added where needed). No database needed."""

import pytest
import sqlglot

from connections.dialects import SQLGLOT_DIALECTS
from connections.guard import UnsafeSQLError, guard_sql

READ_ONLY = "Only read-only queries"

DANGEROUS = [
    # Stacked statements, with case tricks and comments in between.
    ("postgresql", "SELECT 1; DROP TABLE x", "Only one statement is allowed; found 2"),
    ("postgresql", "sElEcT 1 ; dElEtE FROM orders", "Only one statement is allowed; found 2"),
    ("mysql", "SELECT 1;\nUPDATE users SET is_admin = 1", "Only one statement"),
    ("sqlite", "SELECT 1; -- harmless?\nDROP TABLE t;", "Only one statement"),
    ("clickhouse", "SELECT 1; SELECT 2; TRUNCATE TABLE t", "found 3"),
    ("postgresql", "SELECT 1 /* ; */ ; DELETE FROM t", "Only one statement"),
    ("postgresql", "EXPLAIN SELECT 1; DROP TABLE t", "Only one statement"),
    ("mysql", "SELECT 'a;b'; SELECT SLEEP(10)", "Only one statement"),
    # Plain writes and DDL, whatever the case or the comments before them.
    ("postgresql", "DELETE FROM orders", "found DELETE"),
    ("postgresql", "-- just a report\nDELETE FROM orders", "found DELETE"),
    ("postgresql", "/* select */ dElEtE FROM orders", "found DELETE"),
    ("mysql", "INSERT INTO t SELECT 1", "found INSERT"),
    ("mysql", "REPLACE INTO t VALUES (1)", "found REPLACE"),
    ("sqlite", "UPDATE t SET a = 1", "found UPDATE"),
    ("postgresql", "MERGE INTO t USING s ON t.a = s.a WHEN MATCHED THEN DELETE", "found MERGE"),
    ("postgresql", "CREATE TABLE x AS SELECT 1", "found CREATE"),
    ("mysql", "DROP DATABASE shop", "found DROP"),
    ("postgresql", "ALTER TABLE t ADD COLUMN a INT", "found ALTER"),
    ("postgresql", "TRUNCATE t", "found TRUNCATE"),
    ("clickhouse", "ALTER TABLE t DELETE WHERE 1", "found ALTER"),
    ("clickhouse", "INSERT INTO FUNCTION file('x.csv') SELECT 1", "found INSERT"),
    # Writes hidden in CTEs and subqueries (PostgreSQL runs data-modifying CTEs).
    (
        "postgresql",
        "WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x",
        "found DELETE inside a CTE",
    ),
    (
        "postgresql",
        "WITH x AS (UPDATE t SET a = 1 RETURNING *) SELECT * FROM x",
        "found UPDATE inside a CTE",
    ),
    (
        "postgresql",
        "with x as (insert into t values (1) returning *) select * from x",
        "found INSERT inside a CTE",
    ),
    (
        "postgresql",
        "WITH a AS (SELECT 1), b AS (DELETE FROM t RETURNING id) SELECT * FROM a, b",
        "found DELETE inside a CTE",
    ),
    (
        "postgresql",
        "SELECT * FROM t WHERE id = (WITH d AS (DELETE FROM u RETURNING id) SELECT max(id) FROM d)",
        "found DELETE inside a CTE",
    ),
    ("postgresql", "SELECT * FROM (DELETE FROM t RETURNING *) AS x", "could not be parsed"),
    # SELECT INTO, INTO OUTFILE / DUMPFILE / @var, row locks.
    ("postgresql", "SELECT * INTO new_table FROM t", "INTO is not allowed"),
    ("mysql", "SELECT * FROM t INTO OUTFILE '/tmp/x'", "INTO is not allowed"),
    ("mysql", "SELECT * INTO OUTFILE '/tmp/x' FROM t", "INTO is not allowed"),
    ("mysql", "SELECT load_file_col FROM t INTO DUMPFILE '/tmp/x'", "INTO is not allowed"),
    ("mysql", "SELECT a INTO @v FROM t", "INTO is not allowed"),
    ("mysql", "SELECT a FROM t INTO @v", "INTO is not allowed"),
    ("postgresql", "SELECT * FROM t FOR UPDATE", "Row locks"),
    ("postgresql", "SELECT * FROM t FOR SHARE", "Row locks"),
    ("postgresql", "SELECT * FROM t FOR NO KEY UPDATE SKIP LOCKED", "Row locks"),
    ("postgresql", "SELECT 1 FROM t WHERE a IN (SELECT a FROM u FOR UPDATE)", "Row locks"),
    ("mysql", "SELECT * FROM t LOCK IN SHARE MODE", "Row locks"),
    ("mysql", "SELECT * FROM t FOR UPDATE NOWAIT", "Row locks"),
    # Session, privilege, file and maintenance statements.
    ("postgresql", "COPY t TO '/tmp/x'", "found COPY"),
    ("postgresql", "COPY (SELECT 1) TO PROGRAM 'rm -rf /'", "found COPY"),
    ("postgresql", "SET statement_timeout = 0", "found SET"),
    ("postgresql", "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", "found SET"),
    ("mysql", "SET @a = 1", "found SET"),
    ("postgresql", "RESET ALL", "found RESET"),
    ("postgresql", "CALL cleanup()", "found CALL"),
    ("mysql", "CALL cleanup()", "found CALL"),
    ("postgresql", "DO $$ BEGIN DELETE FROM t; END $$", "found DO"),
    ("mysql", "DO SLEEP(5)", "found DO"),
    ("postgresql", "GRANT ALL ON t TO mallory", "found GRANT"),
    ("mysql", "REVOKE SELECT ON t FROM bob", "found REVOKE"),
    ("postgresql", "PREPARE p AS DELETE FROM t", "found PREPARE"),
    ("postgresql", "EXECUTE p", "found EXECUTE"),
    ("mysql", "PREPARE s FROM 'DELETE FROM t'", "found PREPARE"),
    ("postgresql", "VACUUM FULL t", "found VACUUM"),
    ("postgresql", "LOCK TABLE t IN ACCESS EXCLUSIVE MODE", "found LOCK"),
    ("postgresql", "BEGIN", "found BEGIN"),
    ("postgresql", "REFRESH MATERIALIZED VIEW v", "found REFRESH"),
    ("postgresql", "LISTEN ch", "found LISTEN"),
    ("mysql", "LOCK TABLES t WRITE", "found LOCK"),
    ("mysql", "LOAD DATA INFILE '/etc/passwd' INTO TABLE t", "found LOAD"),
    ("mysql", "HANDLER t OPEN", "found HANDLER"),
    ("mysql", "USE mysql", "found USE"),
    ("mysql", "KILL 5", "found KILL"),
    ("mysql", "FLUSH PRIVILEGES", "found FLUSH"),
    ("mysql", "SHOW GRANTS", "found SHOW"),
    ("clickhouse", "OPTIMIZE TABLE t FINAL", "found OPTIMIZE"),
    ("clickhouse", "SYSTEM SHUTDOWN", "found SYSTEM"),
    ("clickhouse", "ATTACH TABLE t", "found ATTACH"),
    ("clickhouse", "DETACH TABLE t", "found DETACH"),
    ("clickhouse", "KILL QUERY WHERE 1", "found KILL"),
    ("sqlite", "ATTACH DATABASE '/tmp/evil.db' AS evil", "found ATTACH"),
    ("sqlite", "DETACH DATABASE evil", "found DETACH"),
    ("sqlite", "PRAGMA writable_schema = 1", "found PRAGMA"),
    ("sqlite", "PRAGMA query_only = 0", "found PRAGMA"),
    ("sqlite", "VACUUM INTO '/tmp/copy.db'", "found VACUUM"),
    ("sqlite", "REINDEX", "found REINDEX"),
    ("sqlite", "VALUES (1)", "found VALUES"),
    # ClickHouse clauses that lift limits or change the wire format; no EXPLAIN on 18.16.
    ("clickhouse", "SELECT * FROM t SETTINGS readonly = 0", "SETTINGS"),
    (
        "clickhouse",
        "SELECT * FROM t SETTINGS max_execution_time = 0, max_result_rows = 0",
        "SETTINGS",
    ),
    ("clickhouse", "SELECT * FROM t FORMAT JSONEachRow", "FORMAT"),
    ("clickhouse", "EXPLAIN SELECT 1", "EXPLAIN is not available on ClickHouse"),
    # EXPLAIN of anything but a query.
    ("postgresql", "EXPLAIN ANALYZE DELETE FROM t", "found DELETE"),
    (
        "postgresql",
        "EXPLAIN ANALYZE WITH d AS (DELETE FROM t RETURNING 1) SELECT * FROM d",
        "found DELETE inside a CTE",
    ),
    ("mysql", "EXPLAIN DELETE FROM t", "found DELETE"),
    ("sqlite", "EXPLAIN QUERY PLAN INSERT INTO t VALUES (1)", "found INSERT"),
    ("postgresql", "EXPLAIN EXPLAIN SELECT 1", "found EXPLAIN"),
    # MySQL/MariaDB executable comments: sqlglot drops them, the server runs them.
    ("mysql", "SELECT /*! SLEEP(5) */ 1", "executable comments"),
    ("mysql", "SELECT 1 /*!50000 , LOAD_FILE('/etc/passwd') */", "executable comments"),
    ("mysql", "/*M!100000 DELETE FROM t */ SELECT 1", "executable comments"),
    # Deny-listed functions: nested, quoted, schema-qualified, any case.
    (
        "postgresql",
        "SELECT pg_sleep(10)",
        "Function pg_sleep is not on the list of allowed functions",
    ),
    ("postgresql", "SELECT PG_SLEEP_FOR('5 minutes')", "Function PG_SLEEP_FOR"),
    (
        "postgresql",
        "SELECT 1 WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_sleep(1))",
        "Function pg_sleep",
    ),
    ("postgresql", 'SELECT "pg_sleep"(5)', "Function pg_sleep"),
    (
        "postgresql",
        "WITH s AS (SELECT pg_read_file('/etc/passwd') AS f) SELECT f FROM s",
        "Function pg_read_file",
    ),
    ("postgresql", "SELECT * FROM pg_ls_dir('/')", "Function pg_ls_dir"),
    ("postgresql", "SELECT pg_read_binary_file('/etc/passwd')", "Function pg_read_binary_file"),
    ("postgresql", "SELECT pg_stat_file('/etc/passwd')", "Function pg_stat_file"),
    (
        "postgresql",
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity",
        "Function pg_terminate_backend",
    ),
    ("postgresql", "SELECT pg_cancel_backend(1)", "Function pg_cancel_backend"),
    ("postgresql", "SELECT pg_reload_conf()", "Function pg_reload_conf"),
    (
        "postgresql",
        "SELECT * FROM t WHERE id IN (SELECT lo_import('/etc/passwd'))",
        "Function lo_import",
    ),
    ("postgresql", "SELECT lo_export(1, '/tmp/x')", "Function lo_export"),
    ("postgresql", "SELECT * FROM dblink('host=evil', 'SELECT 1') AS t(a int)", "Function dblink"),
    ("postgresql", "SELECT dblink_exec('host=evil', 'DROP TABLE t')", "Function dblink_exec"),
    (
        "postgresql",
        "SELECT set_config('default_transaction_read_only', 'off', false)",
        "Function set_config",
    ),
    ("postgresql", "SELECT nextval('orders_id_seq')", "Function nextval"),
    ("postgresql", "SELECT setval('orders_id_seq', 1)", "Function setval"),
    ("postgresql", "SELECT pg_advisory_lock(1)", "Function pg_advisory_lock"),
    (
        "postgresql",
        "SELECT query_to_xml('DELETE FROM t RETURNING 1', true, true, '')",
        "Function query_to_xml",
    ),
    (
        "postgresql",
        "SELECT a FROM t ORDER BY (SELECT count(*) FROM pg_sleep(1))",
        "Function pg_sleep",
    ),
    ("mysql", "SELECT SLEEP(5)", "Function SLEEP"),
    ("mysql", "SELECT * FROM t WHERE id = 1 AND sleep(5)", "Function sleep"),
    ("mysql", "SELECT BENCHMARK(100000000, MD5('a'))", "Function BENCHMARK"),
    ("mysql", "SELECT LOAD_FILE('/etc/passwd')", "Function LOAD_FILE"),
    ("mysql", "SELECT GET_LOCK('x', 10)", "Function GET_LOCK"),
    ("mysql", "SELECT RELEASE_LOCK('x')", "Function RELEASE_LOCK"),
    ("mysql", "SELECT IS_FREE_LOCK('x')", "Function IS_FREE_LOCK"),
    ("mysql", "SELECT MASTER_POS_WAIT('log', 4)", "Function MASTER_POS_WAIT"),
    ("mysql", "SELECT sys_exec('id')", "Function sys_exec"),
    ("mysql", "WITH x AS (SELECT SLEEP(1) AS s) SELECT s FROM x", "Function SLEEP"),
    ("mysql", "SELECT 1 /* a /* b */ , SLEEP(1) /* */", "Function SLEEP"),
    ("clickhouse", "SELECT * FROM file('/etc/passwd', 'CSV', 'a String')", "Function file"),
    ("clickhouse", "SELECT * FROM url('http://evil/x', CSV, 'a String')", "Function url"),
    ("clickhouse", "SELECT * FROM remote('other:9000', db.t)", "Function remote"),
    ("clickhouse", "SELECT * FROM remoteSecure('other:9440', db.t)", "Function remoteSecure"),
    ("clickhouse", "SELECT * FROM cluster('c', db.t)", "Function cluster"),
    ("clickhouse", "SELECT * FROM s3('https://bucket/x.csv')", "Function s3"),
    ("clickhouse", "SELECT * FROM hdfs('hdfs://x', 'CSV', 'a String')", "Function hdfs"),
    ("clickhouse", "SELECT * FROM mysql('h:3306', 'db', 't', 'u', 'p')", "Function mysql"),
    (
        "clickhouse",
        "SELECT * FROM postgresql('h:5432', 'db', 't', 'u', 'p')",
        "Function postgresql",
    ),
    ("clickhouse", "SELECT * FROM jdbc('jdbc:x', 't')", "Function jdbc"),
    ("clickhouse", "SELECT * FROM odbc('DSN=x', 't')", "Function odbc"),
    ("clickhouse", "SELECT * FROM executable('evil.sh', TSV, 'a String')", "Function executable"),
    ("clickhouse", "SELECT sleepEachRow(1) FROM numbers(100)", "Function sleepEachRow"),
    (
        "clickhouse",
        "SELECT number FROM t WHERE number IN (SELECT number FROM remote('h', db.t))",
        "Function remote",
    ),
    ("clickhouse", "SELECT sleep(3)", "Function sleep"),
    ("sqlite", "SELECT load_extension('/tmp/evil.so')", "Function load_extension"),
    ("sqlite", "SELECT readfile('/etc/passwd')", "Function readfile"),
    ("sqlite", "SELECT writefile('/tmp/x', 'data')", "Function writefile"),
    ("sqlite", "SELECT edit('text', 'vi')", "Function edit"),
    ("sqlite", "SELECT fts3_tokenizer('simple')", "Function fts3_tokenizer"),
    ("sqlite", "SELECT * FROM t WHERE a = (SELECT readfile('/etc/passwd'))", "Function readfile"),
    # Functions that are harmless alone but not on the allow-list: series generators are
    # resource exhaustion, sequences are not data, pragma functions read the server's state.
    ("postgresql", "SELECT n FROM generate_series(1, 10) AS g(n)", "Function generate_series"),
    ("postgresql", "SELECT currval('orders_id_seq')", "Function currval"),
    ("clickhouse", "SELECT number FROM numbers(10)", "Function numbers"),
    ("sqlite", "SELECT * FROM pragma_table_info('t')", "Function pragma_table_info"),
    # Names spelled so that a plain name check would miss them.
    ("postgresql", 'SELECT U&"\\0070g_sleep"(1)', "Unicode-escaped names"),
    ("clickhouse", "SELECT `\\x73leep`(3)", "Function sleep"),
    ("mysql", "SELECT `sleep`(1)", "Function sleep"),
    ("mysql", "SELECT * FROM t WHERE a = 1 AND SLEEP/**/(1)", "Function SLEEP"),
    # SQLite has no backslash escapes: this is a string, then a second statement.
    ("sqlite", "SELECT 'a\\'; DROP TABLE t; -- '", "Only one statement"),
    # Not SQL at all.
    ("postgresql", "", "empty"),
    ("postgresql", "   \n ", "empty"),
    ("postgresql", "-- only a comment", "only comments"),
    ("mysql", "SELECT a FROM t WHERE b =", "could not be parsed"),
    ("sqlite", "SELEC 1", "found SELEC"),
    # Redshift: administration functions, S3 unload/load, system tables with others' SQL.
    ("redshift", "SELECT pg_terminate_backend(pid) FROM t", "pg_terminate_backend is not on"),
    ("redshift", "UNLOAD ('SELECT * FROM t') TO 's3://b/x' IAM_ROLE 'arn'", "found UNLOAD"),
    ("redshift", "COPY t FROM 's3://b/x' IAM_ROLE 'arn'", "found COPY"),
    ("redshift", "SELECT querytxt FROM stl_query", "stl_query is not allowed"),
    ("redshift", "SELECT 1; DROP TABLE t", "Only one statement"),
    # BigQuery: federated and ML calls, scripting, exports, other users' jobs.
    ("bigquery", "SELECT * FROM EXTERNAL_QUERY('c', 'SELECT 1')", "EXTERNAL_QUERY is not on"),
    ("bigquery", "SELECT * FROM ML.PREDICT(MODEL m, TABLE t)", "PREDICT is not on"),
    ("bigquery", "DECLARE x INT64; SELECT x", "Only one statement"),
    ("bigquery", "EXECUTE IMMEDIATE 'DROP TABLE t'", "found EXECUTE"),
    ("bigquery", "BEGIN SELECT 1; END", "Only one statement"),
    ("bigquery", "CALL shop.proc()", "found CALL"),
    ("bigquery", "EXPORT DATA OPTIONS(uri='gs://b/*') AS SELECT 1", "found EXPORT"),
    ("bigquery", "SELECT * FROM `region-us`.INFORMATION_SCHEMA.JOBS", "JOBS is not allowed"),
    ("bigquery", "MERGE t USING s ON t.a = s.a WHEN MATCHED THEN DELETE", "found MERGE"),
    ("bigquery", "SELECT GENERATE_ARRAY(1, 1000000000)", "GENERATE_ARRAY is not on"),
]

LEGITIMATE = [
    ("postgresql", "SELECT 1"),
    ("postgresql", "SELECT id, name FROM customers WHERE country = 'FR' ORDER BY name"),
    ("postgresql", "SELECT 1 UNION SELECT 2"),
    ("postgresql", "SELECT a FROM t UNION ALL SELECT a FROM u ORDER BY 1"),
    ("postgresql", "SELECT a FROM t INTERSECT SELECT a FROM u"),
    ("postgresql", "SELECT a FROM t EXCEPT SELECT a FROM u"),
    ("postgresql", "(SELECT 1) UNION (SELECT 2)"),
    (
        "postgresql",
        "WITH totals AS (SELECT customer_id, SUM(total) AS s FROM orders "
        "GROUP BY customer_id) SELECT * FROM totals WHERE s > 100",
    ),
    (
        "postgresql",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r "
        "WHERE n < 10) SELECT n FROM r",
    ),
    (
        "postgresql",
        "-- monthly revenue\nSELECT DATE_TRUNC('month', created_at) AS m, "
        "SUM(total) FROM orders GROUP BY 1 /* by month */ ORDER BY 1",
    ),
    ("postgresql", "SELECT 'DROP TABLE orders; delete from x' AS note"),
    ("postgresql", 'SELECT "Order"."Id", "update", "delete" FROM "Order"'),
    ("postgresql", "SELECT updated_at, deleted, created_by FROM audit WHERE deleted = false"),
    ("postgresql", "SELECT a::int, b::numeric(10, 2), c::text FROM t"),
    ("postgresql", "SELECT * FROM customers WHERE name ILIKE '%smith%'"),
    ("postgresql", "SELECT NOW() - INTERVAL '7 days', EXTRACT(YEAR FROM created_at) FROM t"),
    ("postgresql", "SELECT COUNT(*) FILTER (WHERE status = 'paid') FROM orders"),
    (
        "postgresql",
        "SELECT DISTINCT ON (customer_id) customer_id, total FROM orders "
        "ORDER BY customer_id, created_at DESC",
    ),
    ("postgresql", "SELECT data ->> 'name', data -> 'tags' FROM events"),
    (
        "postgresql",
        "SELECT customer_id, SUM(total) OVER (PARTITION BY customer_id "
        "ORDER BY created_at) FROM orders",
    ),
    ("postgresql", "SELECT $$it's fine$$, E'tab\\t'"),
    ("postgresql", "SELECT * FROM t FETCH FIRST 5 ROWS ONLY"),
    ("postgresql", "SELECT * FROM t OFFSET 5"),
    ("postgresql", "SELECT 1;"),
    ("postgresql", "SELECT E'\\'; DROP TABLE t; --' AS s"),
    ("mysql", "SELECT 'a\\'; DROP TABLE t; -- ' AS s"),
    ("clickhouse", "SELECT 'a\\'; DROP TABLE t; -- ' AS s"),
    ("postgresql", "EXPLAIN SELECT * FROM orders"),
    ("postgresql", "EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM orders"),
    ("postgresql", "EXPLAIN ANALYZE VERBOSE SELECT * FROM orders;"),
    ("mysql", "SELECT `order`.`id`, `update` FROM `order`"),
    (
        "mysql",
        "SELECT DATE_FORMAT(created_at, '%Y-%m') AS m, IFNULL(SUM(total), 0) "
        "FROM orders GROUP BY m WITH ROLLUP",
    ),
    ("mysql", "SELECT name FROM t WHERE name REGEXP '^a' # hash comment"),
    ("mysql", "SELECT GROUP_CONCAT(name ORDER BY name SEPARATOR ', ') FROM t"),
    ("mysql", "SELECT a FROM t LIMIT 2, 5"),
    ("mysql", "SELECT 'it\\'s', \"double quoted\", 'delete from t' FROM dual"),
    ("mysql", "SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY b) FROM t"),
    ("mysql", "SELECT 1 UNION SELECT 2"),
    ("mysql", "SELECT DATE_SUB(NOW(), INTERVAL 7 DAY), CURDATE()"),
    ("mysql", "EXPLAIN SELECT * FROM orders"),
    ("mysql", "EXPLAIN FORMAT=JSON SELECT * FROM orders"),
    (
        "clickhouse",
        "SELECT toStartOfMonth(created_at) AS m, count() FROM orders GROUP BY m ORDER BY m",
    ),
    ("clickhouse", "SELECT arrayJoin([1, 2, 3]) AS x"),
    ("clickhouse", "SELECT uniq(a), countIf(b > 1), quantile(0.5)(c) FROM t"),
    ("clickhouse", "SELECT a FROM t FINAL SAMPLE 0.1 PREWHERE a > 1 WHERE b IN (1, 2)"),
    ("clickhouse", "SELECT a FROM t WHERE d >= today() - 30 AND d < now() + INTERVAL 1 DAY"),
    ("clickhouse", 'SELECT `weird col`, "other" FROM db.t'),
    ("clickhouse", "WITH 5 AS n SELECT n * 2"),
    ("clickhouse", "SELECT 1 UNION ALL SELECT 2"),
    ("clickhouse", "SELECT a FROM t LIMIT 1 BY a"),
    ("clickhouse", "SELECT dateDiff('day', a, b), if(x, 1, 2) FROM t"),
    ("sqlite", "SELECT strftime('%Y-%m', created_at), date('now', '-7 days') FROM t"),
    ("sqlite", 'SELECT [weird col], `x`, "Order" FROM "Order"'),
    ("sqlite", "SELECT a || b, ifnull(c, 0), group_concat(name, ', ') FROM t GROUP BY a"),
    ("sqlite", "SELECT ROW_NUMBER() OVER (ORDER BY a) FROM t"),
    ("sqlite", "SELECT 1 UNION SELECT 2"),
    ("sqlite", "SELECT * FROM t LIMIT 5 OFFSET 2"),
    ("sqlite", "EXPLAIN QUERY PLAN SELECT * FROM t"),
    ("sqlite", "EXPLAIN SELECT * FROM t"),
    ("redshift", "SELECT DATEADD(month, -1, GETDATE()), NVL(a, 0), LISTAGG(b, ',') FROM t"),
    ("redshift", "SELECT MEDIAN(total), APPROXIMATE COUNT(DISTINCT c) FROM orders"),
    ("bigquery", "SELECT DATE_TRUNC(d, MONTH) AS m, COUNTIF(x > 5) FROM shop.orders GROUP BY m"),
    ("bigquery", "SELECT SAFE_DIVIDE(a, b), xs[OFFSET(0)], FORMAT_DATE('%Y', d) FROM `p.s.t`"),
    ("bigquery", "SELECT table_name FROM shop.INFORMATION_SCHEMA.COLUMNS"),
]


def _ids(cases):
    return [f"{case[0]}-{i}" for i, case in enumerate(cases)]


def test_corpus_sizes():
    assert len(DANGEROUS) >= 70
    assert len(LEGITIMATE) >= 35
    assert {case[0] for case in DANGEROUS} == set(SQLGLOT_DIALECTS)
    assert {case[0] for case in LEGITIMATE} == set(SQLGLOT_DIALECTS)


@pytest.mark.parametrize(("kind", "sql", "reason"), DANGEROUS, ids=_ids(DANGEROUS))
def test_dangerous_sql_is_rejected_with_its_reason(kind, sql, reason):
    with pytest.raises(UnsafeSQLError) as caught:
        guard_sql(sql, kind, limit=100)
    assert reason in caught.value.reason
    assert caught.value.reason.endswith(".")


@pytest.mark.parametrize(("kind", "sql"), LEGITIMATE, ids=_ids(LEGITIMATE))
def test_legitimate_sql_passes_and_stays_valid(kind, sql):
    guarded = guard_sql(sql, kind, limit=100)
    # Still one statement of the same dialect, and guarding it again changes nothing.
    parsed = sqlglot.parse(guarded, read=SQLGLOT_DIALECTS[kind])
    assert len([tree for tree in parsed if tree is not None]) == 1
    assert guard_sql(guarded, kind, limit=100) == guarded
    assert guard_sql(guarded, kind) == guarded


@pytest.mark.parametrize(
    ("kind", "sql", "expected"),
    [
        ("postgresql", "SELECT * FROM t", "SELECT * FROM t LIMIT 50"),
        ("postgresql", "SELECT * FROM t;", "SELECT * FROM t LIMIT 50"),
        ("postgresql", "SELECT * FROM t -- note", "SELECT * FROM t LIMIT 50"),
        ("mysql", "SELECT * FROM t WHERE a = 1", "SELECT * FROM t WHERE a = 1 LIMIT 50"),
        ("sqlite", "SELECT * FROM t ORDER BY a", "SELECT * FROM t ORDER BY a LIMIT 50"),
        ("clickhouse", "SELECT * FROM t", "SELECT * FROM t LIMIT 50"),
        # An existing LIMIT (or FETCH) is kept, even when larger: execute() caps rows anyway.
        ("postgresql", "SELECT * FROM t LIMIT 10", "SELECT * FROM t LIMIT 10"),
        ("postgresql", "SELECT * FROM t LIMIT 1000", "SELECT * FROM t LIMIT 1000"),
        (
            "postgresql",
            "SELECT * FROM t FETCH FIRST 3 ROWS ONLY",
            "SELECT * FROM t FETCH FIRST 3 ROWS ONLY",
        ),
        ("mysql", "SELECT * FROM t LIMIT 5, 10", "SELECT * FROM t LIMIT 5, 10"),
        # The outermost query is limited, not a CTE or a subquery.
        (
            "postgresql",
            "WITH x AS (SELECT a FROM t LIMIT 5) SELECT a FROM x",
            "WITH x AS (SELECT a FROM t LIMIT 5) SELECT a FROM x LIMIT 50",
        ),
        (
            "sqlite",
            "SELECT a FROM (SELECT a FROM t LIMIT 5) AS s",
            "SELECT a FROM (SELECT a FROM t LIMIT 5) AS s LIMIT 50",
        ),
        # A LIMIT after a UNION covers the whole result on these engines.
        (
            "postgresql",
            "SELECT a FROM t UNION SELECT a FROM u",
            "SELECT a FROM t UNION SELECT a FROM u LIMIT 50",
        ),
        (
            "mysql",
            "SELECT a FROM t UNION ALL SELECT a FROM u ORDER BY a",
            "SELECT a FROM t UNION ALL SELECT a FROM u ORDER BY a LIMIT 50",
        ),
        (
            "sqlite",
            "SELECT a FROM t EXCEPT SELECT a FROM u LIMIT 3",
            "SELECT a FROM t EXCEPT SELECT a FROM u LIMIT 3",
        ),
        # ClickHouse reads a trailing LIMIT as the last SELECT's own, and LIMIT BY is per
        # group, so those are wrapped.
        (
            "clickhouse",
            "SELECT a FROM t UNION ALL SELECT a FROM u",
            "SELECT * FROM (SELECT a FROM t UNION ALL SELECT a FROM u) LIMIT 50",
        ),
        (
            "clickhouse",
            "SELECT a FROM t UNION ALL SELECT a FROM u LIMIT 5",
            "SELECT * FROM (SELECT a FROM t UNION ALL SELECT a FROM u LIMIT 5) LIMIT 50",
        ),
        (
            "clickhouse",
            "SELECT a, b FROM t LIMIT 1 BY a",
            "SELECT * FROM (SELECT a, b FROM t LIMIT 1 BY a) LIMIT 50",
        ),
        # EXPLAIN gets no LIMIT.
        ("postgresql", "EXPLAIN SELECT * FROM t", "EXPLAIN SELECT * FROM t"),
        ("mysql", "explain select * from t", "EXPLAIN select * from t"),
        ("sqlite", "EXPLAIN QUERY PLAN SELECT * FROM t", "EXPLAIN QUERY PLAN SELECT * FROM t"),
    ],
)
def test_limit(kind, sql, expected):
    guarded = guard_sql(sql, kind, limit=50)
    assert guarded == expected
    assert guard_sql(guarded, kind, limit=50) == guarded


def test_no_limit_requested_leaves_the_query_alone():
    assert guard_sql("SELECT * FROM t", "postgresql") == "SELECT * FROM t"


def test_comments_are_dropped_and_text_is_kept_verbatim():
    sql = "/* report */ SELECT toStartOfMonth(d) AS m -- month\n, `x` FROM t FINAL"
    assert guard_sql(sql, "clickhouse") == "SELECT toStartOfMonth(d) AS m , `x` FROM t FINAL"
    assert guard_sql("SELECT 'a -- b', \"c/*d*/\" FROM t", "postgresql") == (
        "SELECT 'a -- b', \"c/*d*/\" FROM t"
    )


def test_nested_comment_hiding_a_statement_is_dropped():
    # PostgreSQL nests block comments and so does sqlglot's reading: all of this is comment,
    # and the comment never reaches the server.
    sql = "SELECT 1 /* /* nested */ ; DROP TABLE t; */"
    assert guard_sql(sql, "postgresql") == "SELECT 1"
    # MySQL does not nest them, so there the DROP is a statement of its own.
    with pytest.raises(UnsafeSQLError, match="Only one statement"):
        guard_sql(sql, "mysql")


def test_unknown_kind_is_rejected():
    with pytest.raises(UnsafeSQLError, match="Unknown database kind"):
        guard_sql("SELECT 1", "oracle")
