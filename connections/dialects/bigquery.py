"""Google BigQuery engine (google-cloud-bigquery, imported only when a BigQuery database is
used: it is heavy).

Connection: `database` is the dataset; options `project`, `location`, `maximum_bytes_billed`
(the cost guard, default 1 GB) and the secret option `credentials_json` (a service account's
key file, stored encrypted). `api_endpoint` points the client elsewhere (a private endpoint,
or the tests' scripted server).

Read-only is held by the guard, by the account's IAM roles (BigQuery Data Viewer + Job User:
no role that writes) and by the dry run every query gets first: its statement type must be
SELECT, and its estimated bytes must fit under maximum_bytes_billed, which the real run also
carries so BigQuery itself refuses to bill more. BigQuery has no read-only session.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from .base import (
    ConnectionParams,
    ConnectorError,
    Dialect,
    PrivilegeReport,
    QueryResult,
    TestResult,
    connect_timeout,
    timed_test,
)
from .bigquery_support import (
    BigQueryCapabilities,
    credentials_from_json,
    human_bytes,
    option_errors,
)
from .introspection.bigquery import read_schema
from .schema import SchemaDocument

DEFAULT_MAXIMUM_BYTES_BILLED = 1_000_000_000  # 1 GB: about half a cent per query on demand


class BigQuery(BigQueryCapabilities, Dialect):
    name = "bigquery"
    default_port = None
    sqlglot_dialect = "bigquery"
    credentials_template = (
        "Database: the dataset. Host, port, user and password stay blank. Options: "
        '{"project": "my-project", "location": "EU", "maximum_bytes_billed": 1000000000, '
        '"credentials_json": <the service account key file>}. The key file is stored '
        "encrypted and never shown again; the account needs only BigQuery Data Viewer and "
        "BigQuery Job User. A query whose dry run reads more than maximum_bytes_billed "
        "(default 1 GB) is refused before it runs."
    )

    def __init__(self, params: ConnectionParams, *, pool_max_size: int = 20):
        super().__init__(params, pool_max_size=pool_max_size)
        self._client = None
        self._lock = threading.Lock()
        self.options = dict(params.options)
        self.last_estimate: int | None = None

    @classmethod
    def option_errors(cls, options: dict) -> list[str]:
        return option_errors(options)

    # -- settings ----------------------------------------------------------------------

    @property
    def dataset(self) -> str:
        return self.params.database

    @property
    def project(self) -> str:
        return str(self.options.get("project") or "")

    @property
    def maximum_bytes_billed(self) -> int:
        raw = self.options.get("maximum_bytes_billed", DEFAULT_MAXIMUM_BYTES_BILLED)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = 0
        if value <= 0:
            raise ConnectorError("maximum_bytes_billed must be a positive number of bytes.")
        return value

    def _get_client(self):
        with self._lock:
            if self._client is not None:
                return self._client
            errors = option_errors({**self.options, "database": self.dataset})
            if errors:
                raise ConnectorError(" ".join(errors))
            from google.cloud import bigquery  # heavy: only when a BigQuery database is used

            credentials = credentials_from_json(self.options["credentials_json"])
            client_options = {}
            if self.options.get("api_endpoint"):
                client_options["api_endpoint"] = self.options["api_endpoint"]
            self._client = bigquery.Client(
                project=self.project or credentials.project_id,
                credentials=credentials,
                location=self.options.get("location") or None,
                client_options=client_options or None,
            )
            return self._client

    def _job_config(self, **kwargs):
        from google.cloud import bigquery

        project = self._get_client().project
        return bigquery.QueryJobConfig(
            default_dataset=f"{project}.{self.dataset}", use_legacy_sql=False, **kwargs
        )

    # -- the interface -----------------------------------------------------------------

    def test_connection(self) -> TestResult:
        def probe() -> str:
            client = self._get_client()
            dataset = self._call(
                lambda: client.get_dataset(f"{client.project}.{self.dataset}", timeout=10)
            )
            self._vet(client)
            return f"BigQuery {client.project}.{self.dataset} ({dataset.location or 'no location'})"

        return timed_test(self, probe)

    def _vet(self, client) -> None:
        """Dialect.vet (privileges read once per engine, a privileged account refused unless
        allowed); a refusal closes the client, so the next call builds a new one."""
        try:
            self.vet(client, self.privileges)
        except ConnectorError:
            with self._lock:
                if self._client is client:
                    self._client = None
            raise

    def privileges(self) -> PrivilegeReport:
        """Whether the account could create a table in the dataset: a dry run of CREATE
        TABLE is checked for permission and billed nothing."""
        from google.api_core import exceptions

        client = self._get_client()
        probe = f"CREATE TABLE `{client.project}.{self.dataset}.datachat_privilege_probe` (x INT64)"
        try:
            client.query(probe, job_config=self._job_config(dry_run=True), timeout=10)
        except exceptions.Forbidden:
            return PrivilegeReport()
        except exceptions.GoogleAPICallError as exc:
            raise self._error(exc) from None
        return PrivilegeReport(
            [
                f"can create tables in dataset {self.dataset} (a role such as BigQuery Data "
                "Editor or Admin): grant only BigQuery Data Viewer and BigQuery Job User"
            ]
        )

    def read_only_account_sql(self) -> str:
        project = self.project or "<project>"
        return (
            "gcloud iam service-accounts create datachat-ro\n"
            f"gcloud projects add-iam-policy-binding {project} "
            f"--member=serviceAccount:datachat-ro@{project}.iam.gserviceaccount.com "
            "--role=roles/bigquery.jobUser\n"
            f"-- and on the dataset {self.dataset or '<dataset>'}: BigQuery Data Viewer "
            "(roles/bigquery.dataViewer) for that service account."
        )

    def estimate(self, sql: str) -> tuple[int, str]:
        """(bytes the query would read, its statement type) from a dry run: free, no rows."""
        client = self._get_client()
        job = self._call(
            lambda: client.query(
                sql,
                job_config=self._job_config(dry_run=True, use_query_cache=False),
                timeout=connect_timeout() * 2,
            )
        )
        return int(job.total_bytes_processed or 0), (job.statement_type or "SELECT")

    def execute(self, sql: str, *, max_rows: int, timeout: float) -> QueryResult:
        started = time.perf_counter()
        client = self._get_client()
        self._vet(client)  # every time: a refused account stays refused
        estimated, statement = self.estimate(sql)
        self.last_estimate = estimated
        if statement.upper() != "SELECT":
            raise ConnectorError(f"Refused: the session is read-only (a {statement} statement).")
        limit = self.maximum_bytes_billed
        if estimated > limit:
            raise ConnectorError(
                f"Refused before running: this query would read {human_bytes(estimated)}, "
                f"more than the maximum of {human_bytes(limit)} per query "
                "(the connection's maximum_bytes_billed option). Narrow it (fewer columns, "
                "a filter on the partition column) or raise the maximum."
            )
        config = self._job_config(
            maximum_bytes_billed=limit, job_timeout_ms=max(1, int(timeout * 1000))
        )
        job = self._call(lambda: client.query(sql, job_config=config, timeout=timeout))
        try:
            rows = self._call(lambda: job.result(max_results=max_rows + 1, timeout=timeout))
            fetched = [
                tuple(row.values()) for _, row in zip(range(max_rows + 1), rows, strict=False)
            ]
        except ConnectorError as exc:
            if exc.transient:
                job.cancel()
            raise
        schema = list(rows.schema or [])
        return QueryResult(
            columns=[field.name for field in schema],
            column_types=[field.field_type for field in schema],
            rows=fetched[:max_rows],
            truncated=len(fetched) > max_rows,
            duration_ms=(time.perf_counter() - started) * 1000,
            estimated_bytes=estimated,
        )

    def introspect(self) -> SchemaDocument:
        client = self._get_client()

        def run(sql: str) -> list[tuple]:
            job = client.query(sql, job_config=self._job_config(), timeout=connect_timeout() * 6)
            return [tuple(row.values()) for row in job.result(timeout=connect_timeout() * 6)]

        return self._call(
            lambda: read_schema(
                run, client.project, self.dataset, self.options.get("location") or ""
            )
        )

    def close(self) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    # -- errors ------------------------------------------------------------------------

    def scrub(self, message: str) -> str:
        """Also the key file's parts, whether it was given as text or as a JSON object."""
        message = super().scrub(message)
        raw = self.options.get("credentials_json")
        info = raw if isinstance(raw, dict) else {}
        if isinstance(raw, str):
            try:
                info = json.loads(raw)
            except ValueError:
                info = {}
        for name in ("private_key", "private_key_id"):
            value = info.get(name) if isinstance(info, dict) else None
            if isinstance(value, str) and value:
                message = message.replace(value, "***")
        return message

    def _call(self, fn) -> Any:
        from google.api_core import exceptions
        from google.auth import exceptions as auth_exceptions

        try:
            return fn()
        except exceptions.GoogleAPICallError as exc:
            raise self._error(exc) from None
        except auth_exceptions.GoogleAuthError as exc:
            raise ConnectorError(
                f"Authentication failed for the service account: {self.scrub(str(exc))[:300]}"
            ) from None
        except (TimeoutError, ConnectionError, OSError) as exc:
            raise ConnectorError(
                f"Could not reach BigQuery: {self.scrub(str(exc))[:300]}", transient=True
            ) from None

    def _error(self, exc) -> ConnectorError:
        from google.api_core import exceptions

        message = self.scrub(getattr(exc, "message", "") or str(exc)).strip()
        if isinstance(exc, (exceptions.Unauthorized, exceptions.Forbidden)):
            return ConnectorError(f"Access denied by BigQuery: {message}")
        if isinstance(exc, exceptions.NotFound):
            return ConnectorError(f"Not found in BigQuery: {message}")
        if isinstance(exc, (exceptions.ServerError, exceptions.TooManyRequests)):
            return ConnectorError(f"BigQuery is unavailable: {message}", transient=True)
        if "timeout" in message.lower() or "timed out" in message.lower():
            return ConnectorError(f"Query timed out: {message}", transient=True)
        return ConnectorError(message)
