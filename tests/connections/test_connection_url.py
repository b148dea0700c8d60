import pytest

from connections.connection_url import ConnectionURLError, parse_connection_url


@pytest.mark.parametrize(
    ("url", "kind", "port"),
    [
        ("postgresql://ann:p%40ss%2Fw%3Ard@db.example.com:5433/sales", "postgresql", 5433),
        ("postgres://ann:p%40ss%2Fw%3Ard@db.example.com/sales", "postgresql", None),
        ("postgresql+psycopg://ann:p%40ss%2Fw%3Ard@db.example.com/sales", "postgresql", None),
        ("mysql://ann:p%40ss%2Fw%3Ard@db.example.com:3307/sales", "mysql", 3307),
        ("mariadb://ann:p%40ss%2Fw%3Ard@db.example.com/sales", "mysql", None),
        ("clickhouse://ann:p%40ss%2Fw%3Ard@db.example.com:9001/sales", "clickhouse", 9001),
    ],
)
def test_server_urls_with_percent_encoded_password(url, kind, port):
    parsed = parse_connection_url(url)
    assert parsed == {
        "kind": kind,
        "host": "db.example.com",
        "port": port,
        "database": "sales",
        "username": "ann",
        "password": "p@ss/w:rd",
        "options": {},
    }


def test_query_string_becomes_options():
    parsed = parse_connection_url("postgresql://u:p@h/db?sslmode=require&connect_timeout=3")
    assert parsed["options"] == {"sslmode": "require", "connect_timeout": "3"}


def test_sqlite_url_has_no_server_parts():
    parsed = parse_connection_url("sqlite:////var/data/shop.db")
    assert parsed["kind"] == "sqlite"
    assert (parsed["host"], parsed["port"], parsed["username"], parsed["password"]) == (
        "",
        None,
        "",
        "",
    )


# The usual convention (SQLAlchemy, django-environ): three slashes then a relative path,
# four for an absolute one.
@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:////var/data/shop.db", "/var/data/shop.db"),
        ("sqlite:///data/demo.db", "data/demo.db"),
    ],
)
def test_sqlite_path_convention(url, path):
    assert parse_connection_url(url)["database"] == path


def test_sqlite_needs_a_path():
    with pytest.raises(ConnectionURLError, match="file path"):
        parse_connection_url("sqlite://")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://u:Secr3tPw@/db", "no host"),
        ("mysql://u:Secr3tPw@host:notaport/db", "not a number"),
        ("oracle://u:Secr3tPw@host/db", "Unsupported"),
        ("Secr3tPw", "Unsupported"),
        ("", "Unsupported"),
    ],
)
def test_errors_never_contain_the_password(url, expected):
    with pytest.raises(ConnectionURLError) as excinfo:
        parse_connection_url(url)
    assert expected in str(excinfo.value)
    assert "Secr3tPw" not in str(excinfo.value)
