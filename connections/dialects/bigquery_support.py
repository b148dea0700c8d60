"""BigQuery's parts that need no client: what its SQL can do, and checking the connection's
options and service-account JSON (so google-cloud-bigquery loads only when used). The schema
is read in introspection/bigquery.py."""

from __future__ import annotations

import json
import re

import sqlglot.expressions as exp

from .base import ConnectorError
from .capabilities import SYSTEM_CATALOG, Capabilities

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
