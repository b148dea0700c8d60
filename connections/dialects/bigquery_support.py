"""BigQuery's parts that need no client: what its SQL can do, checking the connection's
options and service-account JSON, and reading the schema from INFORMATION_SCHEMA through a
`run(sql) -> rows` the engine provides (so google-cloud-bigquery loads only when used)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import sqlglot.expressions as exp

from .base import ConnectorError
from .capabilities import SYSTEM_CATALOG, Capabilities
from .introspection import sorted_tables
from .schema import Column, ForeignKey, SchemaDocument, Table

# INFORMATION_SCHEMA views that describe the dataset's tables; not JOBS* (other users' SQL),
# OBJECT_PRIVILEGES, SESSIONS_* and the like.
READABLE_VIEWS = frozenset(
    "tables columns column_field_paths schemata table_options table_constraints "
    "key_column_usage constraint_column_usage table_storage partitions".split()
)
REQUIRED_KEY_FIELDS = ("client_email", "private_key", "token_uri")
DATASET_NAME = re.compile(r"[A-Za-z0-9_]{1,1024}")
PROJECT_NAME = re.compile(r"[a-z][a-z0-9.:-]{4,128}")
SCOPES = ("https://www.googleapis.com/auth/bigquery",)


class BigQueryCapabilities(Capabilities):
    label = "BigQuery"
    nulls_sort_small = True  # NULLs come first in ascending order

    @classmethod
    def catalog_table(cls, db: str, name: str) -> bool | str:
        # sqlglot reads `dataset.INFORMATION_SCHEMA.COLUMNS` as table
        # "information_schema.columns" in db "dataset" (or a `region-xx` qualifier).
        if name.startswith("information_schema."):
            view = name.split(".", 1)[1]
            if view in READABLE_VIEWS:
                return True
            readable = ", ".join(sorted(READABLE_VIEWS))
            return f"{SYSTEM_CATALOG} (of INFORMATION_SCHEMA only {readable} may be read)"
        return False

    @staticmethod
    def month_start(expr: exp.Expression) -> exp.Expression:
        date = exp.Cast(this=expr, to=exp.DataType.build("date"))
        return exp.Anonymous(this="DATE_TRUNC", expressions=[date, exp.var("MONTH")])


def human_bytes(count: int) -> str:
    value = float(count)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{count} bytes"  # pragma: no cover


def service_account_info(raw) -> dict:
    """The service-account key as a dict, or ConnectorError naming what is wrong (never
    echoing the content: it holds a private key)."""
    if isinstance(raw, dict):
        info = raw
    elif isinstance(raw, str) and raw.strip():
        try:
            info = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConnectorError(
                "credentials_json is not valid JSON "
                f"(line {exc.lineno}, column {exc.colno}): paste the service account's key "
                "file as it was downloaded."
            ) from None
    else:
        raise ConnectorError(
            "credentials_json is required: the service account's key file (JSON), stored encrypted."
        )
    if not isinstance(info, dict):
        raise ConnectorError("credentials_json must be a JSON object (a key file).")
    if info.get("type") != "service_account":
        raise ConnectorError(
            'credentials_json is not a service-account key: its "type" must be "service_account".'
        )
    absent = [name for name in REQUIRED_KEY_FIELDS if not info.get(name)]
    if absent:
        raise ConnectorError(f"credentials_json lacks {', '.join(absent)}.")
    return info


def credentials_from_json(raw):
    from google.oauth2 import service_account

    info = service_account_info(raw)
    try:
        return service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
    except (ValueError, TypeError):
        raise ConnectorError(
            "credentials_json's private_key could not be read: paste the key file unchanged."
        ) from None


def option_errors(options: dict) -> list[str]:
    """What is wrong with a BigQuery connection's settings, one message per problem."""
    problems = []
    dataset = options.get("database") or ""
    if not DATASET_NAME.fullmatch(dataset):
        problems.append("The database field must be the dataset's name (letters, digits, _).")
    info = None
    try:
        info = service_account_info(options.get("credentials_json"))
    except ConnectorError as exc:
        problems.append(exc.user_message)
    project = options.get("project") or (info or {}).get("project_id") or ""
    if not PROJECT_NAME.fullmatch(str(project)):
        problems.append('Set the "project" option to the Google Cloud project id.')
    raw = options.get("maximum_bytes_billed")
    if raw is not None:
        try:
            ok = int(raw) > 0 and not isinstance(raw, bool)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            problems.append("maximum_bytes_billed must be a positive number of bytes.")
    return problems


def read_schema(
    run: Callable[[str], list[tuple]], project: str, dataset: str, location: str
) -> SchemaDocument:
    """Tables, columns, keys and row counts in at most four INFORMATION_SCHEMA queries."""
    from google.api_core.exceptions import GoogleAPICallError

    where = f"`{project}.{dataset}.INFORMATION_SCHEMA"
    tables: dict[str, Table] = {}
    for name, table_type in run(f"SELECT table_name, table_type FROM {where}.TABLES`"):
        kind = {"VIEW": "view", "MATERIALIZED VIEW": "materialized_view"}.get(table_type, "table")
        tables[name] = Table(schema=dataset, name=name, kind=kind)
    for name, column, position, nullable, data_type in run(
        "SELECT table_name, column_name, ordinal_position, is_nullable, data_type "
        f"FROM {where}.COLUMNS` ORDER BY table_name, ordinal_position"
    ):
        if name in tables:
            tables[name].columns.append(
                Column(column, data_type, int(position), (nullable or "YES") == "YES")
            )
    try:
        _read_keys(run, where, dataset, tables)
    except GoogleAPICallError:
        pass  # datasets without key views (older regions): no keys, the rest still holds
    if location:
        # Row counts live in the region's TABLE_STORAGE, not the dataset's.
        region = f"`{project}.region-{location.lower()}.INFORMATION_SCHEMA.TABLE_STORAGE`"
        literal = exp.Literal.string(dataset).sql(dialect="bigquery")
        try:
            for name, rows, size in run(
                "SELECT table_name, total_rows, total_logical_bytes "
                f"FROM {region} WHERE table_schema = {literal}"
            ):
                if name in tables:
                    tables[name].row_count = None if rows is None else int(rows)
                    tables[name].size_bytes = None if size is None else int(size)
        except GoogleAPICallError:
            pass  # no permission on the region's storage view: counts stay unknown
    for table in tables.values():
        for column in table.columns:
            column.primary_key = column.name in table.primary_key
    return SchemaDocument(dialect="bigquery", tables=sorted_tables(tables.values()))


def _read_keys(run, where: str, dataset: str, tables: dict[str, Table]) -> None:
    referred: dict[str, tuple[str, list[str]]] = {}
    for name, column, constraint in run(
        f"SELECT table_name, column_name, constraint_name FROM {where}.CONSTRAINT_COLUMN_USAGE`"
    ):
        referred.setdefault(constraint, (name, []))[1].append(column)
    for name, column, constraint, ctype in run(
        "SELECT k.table_name, k.column_name, k.constraint_name, c.constraint_type "
        f"FROM {where}.KEY_COLUMN_USAGE` k JOIN {where}.TABLE_CONSTRAINTS` c "
        "USING (constraint_name) ORDER BY k.table_name, k.constraint_name, k.ordinal_position"
    ):
        table = tables.get(name)
        if table is None:
            continue
        if ctype == "PRIMARY KEY":
            table.primary_key.append(column)
        elif ctype == "FOREIGN KEY" and constraint in referred:
            fk = next((f for f in table.foreign_keys if f.name == constraint), None)
            if fk is None:
                target, columns = referred[constraint]
                fk = ForeignKey([], dataset, target, list(columns), name=constraint)
                table.foreign_keys.append(fk)
            fk.columns.append(column)
