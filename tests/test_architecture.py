"""Arrows point one way (api -> chat -> schemas_app -> connections) and database drivers are
imported only under connections/dialects/. Every import counts, function-level ones too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "connections": {"schemas_app", "chat", "api", "demo"},
    "schemas_app": {"chat", "api"},
    # Federated queries sit beside schemas_app: chat and api call them, never the reverse.
    "federation": {"chat", "api", "demo"},
    # Scheduled reports use chat's answering; the API calls them, never the reverse.
    "reports": {"api", "demo"},
    # Comparing environments reads snapshots and runs checksums; its pages may start a chat.
    "comparisons": {"api", "demo"},
}
# duckdb is not here on purpose: federation/ runs it in-process as its join engine over rows
# already fetched through the dialects; it never connects to a registered database.
DRIVERS = {
    "psycopg",
    "psycopg2",
    "psycopg_pool",
    "MySQLdb",
    "clickhouse_driver",
    "sqlite3",
    "google.cloud.bigquery",  # a dotted name: google.* is otherwise not a driver
}
DRIVER_HOME = ROOT / "connections" / "dialects"
# Packages of ours that could import a driver; .venv and the like are not ours.
OURS = (
    "api",
    "chat",
    "comparisons",
    "connections",
    "datachat",
    "demo",
    "federation",
    "reports",
    "schemas_app",
    "scripts",
)
# Known, tracked exceptions (issue 15); this list only shrinks. (file, imported top-level name)
KNOWN: set[tuple[str, str]] = set()


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = path.relative_to(ROOT).parent.parts
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
            # `from pkg import module` imports pkg.module as well
            found += [(node.lineno, f"{name}.{alias.name}") for alias in node.names]
    return found


def is_driver(name: str) -> bool:
    return any(name == driver or name.startswith(f"{driver}.") for driver in DRIVERS)


def python_files(*packages: str) -> list[Path]:
    return sorted(p for package in packages for p in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_one_way(package):
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in python_files(package)
        for line, name in imported_modules(path)
        if name.split(".")[0] in FORBIDDEN[package]
        and (str(path.relative_to(ROOT)), name.split(".")[0]) not in KNOWN
    ]
    assert not wrong, "\n".join(wrong)


def test_drivers_are_imported_only_by_the_dialects():
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in python_files(*(p for p in OURS if (ROOT / p).is_dir()))
        if DRIVER_HOME not in path.parents
        for line, name in imported_modules(path)
        if is_driver(name) and (str(path.relative_to(ROOT)), name.split(".")[0]) not in KNOWN
    ]
    assert not wrong, "\n".join(wrong)


def test_the_check_sees_function_level_and_relative_imports(tmp_path, monkeypatch):
    module = ROOT / "connections" / "_probe_for_architecture_test.py"
    source = "def f():\n    from ..schemas_app import profiling\n    import sqlite3\n"
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: source)
    names = [name for _, name in imported_modules(module)]
    assert "schemas_app.profiling" in names and "sqlite3" in names


def test_a_dotted_driver_is_matched_by_prefix_only():
    assert is_driver("google.cloud.bigquery") and is_driver("google.cloud.bigquery.job")
    assert not is_driver("google.protobuf") and is_driver("psycopg.errors")
