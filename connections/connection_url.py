"""Parse a connection URL (postgresql://user:pass@host:5432/db, sqlite:///path, ...) into fields."""

from __future__ import annotations

from urllib.parse import parse_qsl, unquote, urlsplit

from .dialects import dialect_class

SCHEME_KINDS = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
    "clickhouse": "clickhouse",
    "sqlite": "sqlite",
    "redshift": "redshift",  # redshift://user:pass@cluster...:5439/dev (PostgreSQL wire)
}


class ConnectionURLError(ValueError):
    pass


def parse_connection_url(url: str) -> dict:
    """Return {kind, host, port, database, username, password, options} for a URL.

    The error messages never echo the URL itself, since it may hold a password.
    """
    url = (url or "").strip()
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    scheme = scheme.split("+", 1)[0]  # postgresql+psycopg:// and the like
    kind = SCHEME_KINDS.get(scheme)
    if not kind:
        raise ConnectionURLError(
            "Unsupported connection URL scheme; use postgresql://, mysql://, clickhouse://, "
            "redshift:// or sqlite:/// (BigQuery: fill in the fields)."
        )
    try:
        parts = urlsplit(url)
    except ValueError:  # "Invalid IPv6 URL" (an unclosed [): the form's error, not a 500
        raise ConnectionURLError(
            "The connection URL is malformed (check the host, e.g. an IPv6 address in [])."
        ) from None
    options = dict(parse_qsl(parts.query))
    if dialect_class(kind).file_based:
        # SQLAlchemy's convention: sqlite:///relative/path and sqlite:////absolute/path.
        path = unquote(parts.path)
        path = path[1:] if path.startswith("/") else path
        if parts.netloc:  # sqlite://relative/path is ambiguous; accept it as a path anyway
            path = parts.netloc + "/" + path
        if not path:
            raise ConnectionURLError(
                "A sqlite URL needs a file path, e.g. sqlite:///data/demo.db or sqlite:////abs/path.db."
            )
        return {
            "kind": kind,
            "host": "",
            "port": None,
            "database": path,
            "username": "",
            "password": "",
            "options": options,
        }
    try:
        port = parts.port
    except ValueError:
        raise ConnectionURLError("The port in the connection URL is not a number.") from None
    if not parts.hostname:
        raise ConnectionURLError("The connection URL has no host.")
    return {
        "kind": kind,
        "host": parts.hostname,
        "port": port,
        "database": unquote(parts.path.lstrip("/")),
        "username": unquote(parts.username or ""),
        "password": unquote(parts.password or ""),
        "options": options,
    }
