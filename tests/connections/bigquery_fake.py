"""A scripted stand-in for BigQuery's REST API and Google's OAuth token endpoint, on loopback.

No BigQuery emulator can be built here (the open one is a Go program and the Go module proxy
is unreachable), so the tests of the BigQuery engine talk to this: the real
google-cloud-bigquery client and google-auth's service-account flow, over HTTP, against
answers shaped like BigQuery's. It is a fake at the outside boundary (a cloud API), scripted
per test: bytes each dry run reports, statement types, rows of each query, and whether the
account may create tables. Every request is recorded for the tests to inspect.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "fake-access-token"


@dataclass
class Script:
    # sql substring -> bytes the dry run reports (first match wins); else default_bytes
    bytes_by_sql: dict[str, int] = field(default_factory=dict)
    default_bytes: int = 1000
    # sql substring -> (field schema [(name, type)], rows of strings)
    results: dict[str, tuple[list[tuple[str, str]], list[list]]] = field(default_factory=dict)
    may_create_tables: bool = False
    dataset_location: str = "EU"


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    body: dict


class FakeBigQuery:
    def __init__(self):
        self.script = Script()
        self.requests: list[Request] = []
        self.jobs: dict[str, dict] = {}
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _answer(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw and raw[:1] in b"{[" else {}
                except ValueError:
                    body = {}
                headers = {k.lower(): v for k, v in self.headers.items()}
                fake.requests.append(Request(self.command, self.path, headers, body))
                status, payload = fake.route(self.command, self.path.split("?")[0], body)
                self._answer(status, payload)

            do_GET = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- what the tests read ---------------------------------------------------------------

    def inserted_jobs(self, *, dry_run: bool) -> list[dict]:
        return [
            r.body
            for r in self.requests
            if r.method == "POST"
            and r.path.split("?")[0].endswith("/jobs")
            and bool(r.body.get("configuration", {}).get("dryRun")) == dry_run
        ]

    # -- BigQuery's answers ------------------------------------------------------------------

    def route(self, method: str, path: str, body: dict) -> tuple[int, dict]:
        if path == "/token":
            return 200, {"access_token": TOKEN, "expires_in": 3600, "token_type": "Bearer"}
        if match := re.fullmatch(r"/bigquery/v2/projects/([^/]+)/datasets/([^/]+)", path):
            project, dataset = match.groups()
            return 200, {
                "id": f"{project}:{dataset}",
                "datasetReference": {"projectId": project, "datasetId": dataset},
                "location": self.script.dataset_location,
            }
        if match := re.fullmatch(r"/bigquery/v2/projects/([^/]+)/jobs", path):
            return self._insert(match.group(1), body)
        if match := re.fullmatch(r"/bigquery/v2/projects/([^/]+)/queries/([^/]+)", path):
            return self._results(match.group(2))
        if match := re.fullmatch(r"/bigquery/v2/projects/([^/]+)/jobs/([^/]+)", path):
            return 200, self.jobs[match.group(2)]
        if re.fullmatch(r"/bigquery/v2/projects/([^/]+)/jobs/([^/]+)/cancel", path):
            return 200, {}
        return 404, {"error": {"code": 404, "message": f"no route {method} {path}"}}

    def _insert(self, project: str, body: dict) -> tuple[int, dict]:
        config = body.get("configuration", {})
        sql = config.get("query", {}).get("query", "")
        reference = body.get("jobReference") or {"jobId": f"job{len(self.jobs)}"}
        reference = {"projectId": project, "location": "EU", **reference}
        statement = sql.split()[0].upper() if sql.split() else "SELECT"
        if statement == "CREATE":
            if not self.script.may_create_tables:
                return 403, {
                    "error": {
                        "code": 403,
                        "message": "Access Denied: Permission bigquery.tables.create denied",
                        "errors": [{"reason": "accessDenied", "message": "denied"}],
                    }
                }
            statement = "CREATE_TABLE"
        elif statement == "WITH":
            statement = "SELECT"
        processed = next(
            (b for key, b in self.script.bytes_by_sql.items() if key in sql),
            self.script.default_bytes,
        )
        job = {
            "kind": "bigquery#job",
            "id": f"{project}:EU.{reference['jobId']}",
            "jobReference": reference,
            "configuration": config,
            "status": {"state": "DONE"},
            "statistics": {
                "query": {
                    "totalBytesProcessed": str(processed),
                    "statementType": statement,
                }
            },
        }
        job["_sql"] = sql
        self.jobs[reference["jobId"]] = job
        return 200, {k: v for k, v in job.items() if not k.startswith("_")}

    def _results(self, job_id: str) -> tuple[int, dict]:
        job = self.jobs[job_id]
        sql = job["_sql"]
        fields, rows = next(
            (result for key, result in self.script.results.items() if key in sql),
            ([("f0_", "INTEGER")], [["1"]]),
        )
        return 200, {
            "kind": "bigquery#getQueryResultsResponse",
            "jobReference": job["jobReference"],
            "jobComplete": True,
            "schema": {"fields": [{"name": n, "type": t, "mode": "NULLABLE"} for n, t in fields]},
            "rows": [{"f": [{"v": value} for value in row]} for row in rows],
            "totalRows": str(len(rows)),
        }
