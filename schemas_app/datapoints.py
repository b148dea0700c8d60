"""DataPoints: business context (metrics, glossary terms, table notes, example questions).

Points live in files (YAML or JSON, one or many per file) and are synced into the system
database per scope: one connection, or global. Sync is idempotent (a content hash per point),
removes points whose file entry is gone, and reports each file's problems by line without
stopping the others. At answer time `load_candidates` reads a connection's points plus the
global ones (legacy unscoped points only when neither exists) and `retrieve` ranks them for a
question: BM25 always, blended with cosine similarity of embeddings when EMBEDDING_MODEL is set.
"""

from __future__ import annotations

import bisect
import datetime
import hashlib
import json
import json.scanner
import logging
import math
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from connections.models import Connection

from .models import DataPoint, DataPointSync

logger = logging.getLogger(__name__)

FILE_SUFFIXES = (".yaml", ".yml", ".json")
MAX_FILE_BYTES = 2_000_000
MAX_CANDIDATES = 2000
MAX_PATH_CHARS = 500  # DataPoint.source_file
KINDS = ("metric", "glossary", "table_note", "example")
KIND_ALIASES = {"term": "glossary", "note": "table_note", "table": "table_note", "query": "example"}

# Fields per kind: (required, optional). Anything else is reported, so a typo never passes.
FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "metric": (("name", "sql"), ("description", "filter", "tables", "synonyms")),
    "glossary": (
        ("term", "meaning"),
        ("synonyms", "column", "value", "filter", "tables"),
    ),
    "table_note": (("table", "note"), ("columns", "synonyms")),
    "example": (("question", "sql"), ("name", "description", "tables")),
}
COMMON_FIELDS = ("kind", "id")


class DataPointError(Exception):
    pass


@dataclass
class FileError:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "message": self.message}


@dataclass
class ParsedPoint:
    kind: str
    key: str
    name: str
    content: dict
    file: str
    line: int | None
    digest: str = ""  # content_hash, computed while parsing (where errors are per entry)
    text: str = ""  # search_text


@dataclass
class SyncReport:
    scope_key: str
    directory: str
    dry_run: bool = False
    files: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    errors: list[FileError] = field(default_factory=list)
    sync_id: int | None = None

    def summary(self, label: str | None = None) -> str:
        """One line; `label` names the scope for people (pages), else its key (the CLI)."""
        verb = "would be " if self.dry_run else ""
        return (
            f"{label or self.scope_key}: {self.files} file(s), {len(self.added)} {verb}added, "
            f"{len(self.updated)} {verb}updated, {len(self.removed)} {verb}removed, "
            f"{self.unchanged} unchanged, {len(self.errors)} error(s)"
        )


# --- scope ---------------------------------------------------------------------------------


def scope_key_for(connection: Connection | None) -> str:
    return f"connection:{connection.pk}" if connection is not None else "global"


def resolve_connection(identifier: str) -> Connection:
    """A connection by id or by name (the CLI accepts either)."""
    try:
        return Connection.objects.get(pk=identifier)
    except (Connection.DoesNotExist, ValueError, ValidationError):  # not a UUID: a name?
        pass
    try:
        return Connection.objects.get(name=identifier)
    except Connection.DoesNotExist:
        raise DataPointError(f"No database with id or name {identifier!r}.") from None


def configured_directory(connection: Connection | None) -> Path:
    """DATAPOINTS_DIR/<slug of the database name>/ (e.g. "Demo shop" -> demo-shop/) for a
    database, DATAPOINTS_DIR/global/ for the global scope: where Sync Now reads."""
    if connection is None:
        return Path(settings.DATAPOINTS_DIR) / "global"
    # A name with no letters or digits ("!!!") slugs to "": never the whole root.
    return Path(settings.DATAPOINTS_DIR) / (slugify(connection.name) or str(connection.pk))


def directory_in_root(relative: str) -> Path:
    """A directory given over the web, confined to DATAPOINTS_DIR: a relative path that stays
    inside it once `..` and symlinks are resolved. Arbitrary server paths are for the CLI only."""
    root = Path(settings.DATAPOINTS_DIR).resolve()
    if Path(relative).is_absolute():
        raise DataPointError(
            "Give the directory relative to DATAPOINTS_DIR, not as an absolute path."
        )
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root):
        raise DataPointError("The directory must be inside DATAPOINTS_DIR.")
    return candidate


# --- parsing -------------------------------------------------------------------------------

LINE = "__line__"
TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that records each mapping's first line (1-based) under LINE, and leaves
    dates as written: `equals: 2025-01-01` is the text "2025-01-01", not a date object."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != TIMESTAMP_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    mapping[LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _load_yaml(text: str) -> list:
    """Every document of the file (`---` separates several), None ones dropped."""
    loaded = yaml.load_all(text, Loader=_LineLoader)  # noqa: S506 (a SafeLoader subclass)
    return [document for document in loaded if document is not None]


def _load_json(text: str) -> Any:
    """json.loads that also records each object's first line under LINE. JSON is read as
    JSON (YAML, though a superset, refuses tabs); the pure-Python scanner is used because
    only it lets us see where each object starts."""
    newlines = [m.start() for m in re.finditer("\n", text)]
    decoder = json.JSONDecoder()

    def parse_object(s_and_end, *args):
        obj, end = json.decoder.JSONObject(s_and_end, *args)
        obj[LINE] = bisect.bisect_left(newlines, s_and_end[1] - 1) + 1  # line of the "{"
        return obj, end

    decoder.parse_object = parse_object
    decoder.scan_once = json.scanner.py_make_scanner(decoder)
    return decoder.decode(text)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")[:200] or "x"


def normalize_question(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", str(text).lower()))


def content_hash(kind: str, content: dict) -> str:
    data = json.dumps({"kind": kind, **content}, sort_keys=True, ensure_ascii=False)
    # surrogatepass: a hash never fails, even on text validation would refuse.
    return hashlib.sha256(data.encode("utf-8", "surrogatepass")).hexdigest()


_SURROGATE = re.compile("[\ud800-\udfff]")


def _text(value: str, name: str) -> str:
    """The text unless no database could store it (NUL, lone UTF-16 surrogates)."""
    if "\x00" in value:
        raise ValueError(f"'{name}' contains a NUL character")
    if _SURROGATE.search(value):
        raise ValueError(f"'{name}' contains an invalid character (a lone UTF-16 surrogate)")
    return value


def _scalar(value: Any, name: str) -> str | int | float | bool:
    """One plain value: text, a finite number or a boolean (dates become ISO text)."""
    if isinstance(value, str):
        return _text(value, name)
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"'{name}' must be a finite number")
        return value
    if isinstance(value, datetime.date):  # an explicit !!timestamp
        return value.isoformat()
    raise ValueError(f"'{name}' must be a single value (text or a number)")


def _string(value: Any, name: str) -> str:
    return str(_scalar(value, name)).strip()


def _string_list(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        return [_string(v, name) for v in value]
    return [_string(value, name)]


def _field_names(mapping: dict, where: str) -> dict:
    """The mapping without the line marker; field names must be text (YAML allows `1:`)."""
    bad = [key for key in mapping if not isinstance(key, str)]
    if bad:
        raise ValueError(f"field names must be text; {where} has {bad[0]!r}")
    return {key: value for key, value in mapping.items() if key != LINE}


def validate_item(raw: Any) -> tuple[str, str, str, dict]:
    """(kind, key, name, content) for one raw entry, or ValueError saying what is wrong."""
    if not isinstance(raw, dict):
        raise ValueError("each DataPoint must be a mapping with a 'kind'")
    item = _field_names(raw, "the entry")
    kind = str(item.get("kind") or "").strip().lower()
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in KINDS:
        raise ValueError(f"unknown kind {item.get('kind')!r}; use one of {', '.join(KINDS)}")
    required, optional = FIELDS[kind]
    unknown = sorted(set(item) - set(required) - set(optional) - set(COMMON_FIELDS))
    if unknown:
        raise ValueError(f"unknown field(s) for a {kind}: {', '.join(unknown)}")
    content: dict[str, Any] = {}
    for name in required:
        value = item.get(name)
        if isinstance(value, bool) or not isinstance(value, str | int | float | datetime.date):
            raise ValueError(f"a {kind} needs a non-empty '{name}'")
        content[name] = _string(value, name)
        if not content[name]:
            raise ValueError(f"a {kind} needs a non-empty '{name}'")
    for name in optional:
        if name not in item or item[name] is None:
            continue
        value = item[name]
        if name in ("tables", "synonyms", "columns"):
            content[name] = _string_list(value, name)
        elif name == "value":
            if not isinstance(value, dict):
                raise ValueError("'value' must be a mapping with 'column' and 'equals'")
            value = _field_names(value, "'value'")
            if set(value) != {"column", "equals"}:
                raise ValueError("'value' must be a mapping with 'column' and 'equals' (only)")
            content[name] = {
                "column": _string(value["column"], "value.column"),
                "equals": _scalar(value["equals"], "value.equals"),
            }
        else:
            content[name] = _string(value, name)
    if kind in ("metric", "example"):
        _check_sql(content["sql"], kind)
    if kind == "metric" and " where " in f" {content['sql'].lower()} " and "filter" not in content:
        # "SUM(orders.total) WHERE status IN (...)" is accepted as expression + filter.
        expression, _, condition = re.split(r"(?i)\s(where)\s", content["sql"], maxsplit=1)
        content["sql"], content["filter"] = expression.strip(), condition.strip()
    if kind == "glossary":
        targets = [k for k in ("column", "value", "filter") if k in content]
        if len(targets) > 1:
            raise ValueError("a glossary term maps to one of 'column', 'value' or 'filter'")
    name = {
        "metric": content.get("name"),
        "glossary": content.get("term"),
        "table_note": content.get("table"),
        "example": content.get("name") or content.get("question"),
    }[kind]
    ident = _string(item["id"], "id") if item.get("id") is not None else ""
    if kind == "example" and not ident:
        ident = hashlib.sha256(normalize_question(content["question"]).encode()).hexdigest()[:16]
    key = f"{kind}:{_slug(ident or name)}"
    return kind, key, str(name)[:255], content


def _check_sql(sql: str, kind: str) -> None:
    lowered = sql.lower()
    if re.search(r"\b(insert|update|delete|drop|alter|create|truncate|grant)\b", lowered) and (
        kind == "metric" or not lowered.lstrip().startswith(("select", "with"))
    ):
        raise ValueError(f"the {kind}'s 'sql' must only read data")
    if kind == "example" and not lowered.lstrip().startswith(("select", "with")):
        raise ValueError("an example's 'sql' must be a SELECT (or WITH) query")


def parse_file(path: Path, display: str) -> tuple[list[ParsedPoint], list[FileError]]:
    """Points of one file and the problems found, each with the file and line."""
    errors: list[FileError] = []
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return [], [FileError(display, None, "file is larger than 2 MB")]
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return [], [FileError(display, None, f"cannot read the file ({error})")]
    try:
        documents = [_load_json(text)] if path.suffix.lower() == ".json" else _load_yaml(text)
    except json.JSONDecodeError as error:
        return [], [FileError(display, error.lineno, f"invalid JSON: {error.msg}")]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        line = mark.line + 1 if mark is not None else None
        return [], [FileError(display, line, f"invalid YAML: {problem}")]
    except (ValueError, RecursionError) as error:  # e.g. a 5,000-digit number, deep nesting
        kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
        return [], [FileError(display, None, f"invalid {kind}: {str(error)[:200]}")]
    items: list = []
    for data in documents:
        if isinstance(data, dict) and "datapoints" in data:
            if not isinstance(data["datapoints"], list):
                return [], [FileError(display, data.get(LINE), "'datapoints' must be a list")]
            items += data["datapoints"]
        elif isinstance(data, dict):
            items.append(data)
        elif isinstance(data, list):
            items += data
        else:
            return [], [FileError(display, 1, "expected a mapping or a list of mappings")]
    points = []
    for position, raw in enumerate(items, 1):
        line = raw.get(LINE) if isinstance(raw, dict) else None
        try:
            kind, key, name, content = validate_item(raw)
            point = ParsedPoint(kind, key, name, content, display, line)
            point.digest = content_hash(kind, content)
            point.text = search_text(kind, name, content)
        except ValueError as problem:
            errors.append(FileError(display, line, f"entry {position}: {problem}"))
            continue
        except Exception as problem:  # a bug must cost one entry, never the whole sync
            logger.exception("Unexpected error validating %s entry %s", display, position)
            message = f"entry {position}: could not be read ({type(problem).__name__})"
            errors.append(FileError(display, line, message))
            continue
        points.append(point)
    return points, errors


def parse_directory(directory: str | os.PathLike) -> tuple[int, list[ParsedPoint], list[FileError]]:
    root = Path(directory)
    try:
        if not root.is_dir():
            raise DataPointError(f"No directory at {root}.")
        files = sorted(
            p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in FILE_SUFFIXES
        )
    except OSError as error:  # e.g. a name too long, no permission
        raise DataPointError(f"Cannot read the directory {root} ({error.strerror}).") from None
    points: list[ParsedPoint] = []
    errors: list[FileError] = []
    seen: dict[str, ParsedPoint] = {}
    for path in files:
        display = str(path.relative_to(root))
        if len(display) > MAX_PATH_CHARS:
            errors.append(FileError(display[:200] + "...", None, "path is too long"))
            continue
        try:
            found, problems = parse_file(path, display)
        except Exception as problem:  # one file's surprise must not stop the other files
            logger.exception("Unexpected error reading DataPoints file %s", display)
            found = []
            problems = [FileError(display, None, f"could not be read ({type(problem).__name__})")]
        errors += problems
        for point in found:
            if point.key in seen:
                first = seen[point.key]
                errors.append(
                    FileError(
                        display,
                        point.line,
                        f"duplicate {point.kind} {point.name!r} (first at {first.file}:{first.line})",
                    )
                )
                continue
            seen[point.key] = point
            points.append(point)
    return len(files), points, errors


# --- sync ----------------------------------------------------------------------------------


def search_text(kind: str, name: str, content: dict) -> str:
    parts = [name]
    for key in ("description", "meaning", "note", "question", "sql", "filter", "column"):
        if content.get(key):
            parts.append(str(content[key]))
    for key in ("synonyms", "tables", "columns"):
        parts += content.get(key, [])
    if content.get("value"):
        parts += [str(content["value"]["column"]), str(content["value"]["equals"])]
    return " ".join(parts)


def sync_directory(
    directory: str | os.PathLike,
    *,
    connection: Connection | None = None,
    global_scope: bool = False,
    dry_run: bool = False,
) -> SyncReport:
    """Make the points of one scope match the directory's files. Idempotent."""
    if connection is None and not global_scope:
        raise DataPointError("Choose a scope: a connection, or the global scope.")
    if connection is not None and global_scope:
        raise DataPointError("Choose either a connection or the global scope, not both.")
    scope_key = scope_key_for(connection)
    report = SyncReport(scope_key=scope_key, directory=str(directory), dry_run=dry_run)
    report.files, parsed, report.errors = parse_directory(directory)
    # A file that could not be read fully keeps its earlier points: a typo must not wipe them.
    protected = {e.file for e in report.errors}
    existing = {
        p.key: p
        for p in DataPoint.objects.filter(scope_key=scope_key, source=DataPoint.Source.FILE)
    }
    to_create, to_update = [], []
    for point in parsed:
        digest = point.digest
        old = existing.get(point.key)
        if old is None:
            report.added.append(point.key)
            to_create.append(point)
        elif (
            old.content_hash != digest
            or old.source_file != point.file
            or (old.source_line != point.line)
        ):
            if old.content_hash != digest:
                report.updated.append(point.key)
            else:
                report.unchanged += 1  # only moved within the files: not a change of meaning
            to_update.append((old, point))
        else:
            report.unchanged += 1
    keys = {p.key for p in parsed}
    gone = [p for k, p in existing.items() if k not in keys and p.source_file not in protected]
    report.removed = [p.key for p in gone]
    if dry_run:
        return report

    scope = DataPoint.Scope.CONNECTION if connection is not None else DataPoint.Scope.GLOBAL
    with transaction.atomic():
        for point in to_create:
            DataPoint.objects.create(
                scope=scope,
                connection=connection,
                scope_key=scope_key,
                kind=point.kind,
                key=point.key,
                name=point.name,
                content=point.content,
                search_text=point.text,
                content_hash=point.digest,
                source=DataPoint.Source.FILE,
                source_file=point.file,
                source_line=point.line,
            )
        for old, point in to_update:
            changed = old.content_hash != point.digest
            old.name, old.kind, old.content = point.name, point.kind, point.content
            old.search_text = point.text
            old.content_hash = point.digest
            old.source_file, old.source_line = point.file, point.line
            if changed:
                old.embedding, old.embedding_model = None, ""
            old.save()
        DataPoint.objects.filter(pk__in=[p.pk for p in gone]).delete()
        sync = DataPointSync.objects.create(
            scope_key=scope_key,
            connection=connection,
            directory=str(directory)[:500],
            added=len(report.added),
            updated=len(report.updated),
            removed=len(report.removed),
            unchanged=report.unchanged,
            errors=[e.as_dict() for e in report.errors],
            finished_at=timezone.now(),
        )
        report.sync_id = sync.pk
    if embedding_model():
        try:
            embed_missing(DataPoint.objects.filter(scope_key=scope_key))
        except EmbeddingError as error:
            report.errors.append(FileError("(embeddings)", None, str(error)))
            DataPointSync.objects.filter(pk=report.sync_id).update(
                errors=[e.as_dict() for e in report.errors]
            )
    return report


def last_sync(connection: Connection | None) -> DataPointSync | None:
    return DataPointSync.objects.filter(scope_key=scope_key_for(connection)).first()


def save_example(connection: Connection, question: str, sql: str) -> tuple[DataPoint, bool]:
    """A verified question + SQL (from "Correct" feedback) as an example of that database."""
    question, sql = (question or "").strip(), (sql or "").strip()
    if not question or not sql:
        raise DataPointError("An example needs both a question and its SQL.")
    kind, key, name, content = validate_item({"kind": "example", "question": question, "sql": sql})
    scope_key = scope_key_for(connection)
    point, created = DataPoint.objects.update_or_create(
        scope_key=scope_key,
        key=key,
        defaults={
            "scope": DataPoint.Scope.CONNECTION,
            "connection": connection,
            "kind": kind,
            "name": name,
            "content": content,
            "search_text": search_text(kind, name, content),
            "content_hash": content_hash(kind, content),
            "source": DataPoint.Source.FEEDBACK,
            "source_file": "",
            "source_line": None,
            "embedding": None,
            "embedding_model": "",
        },
    )
    if embedding_model():
        try:
            embed_missing([point])
        except EmbeddingError:
            logger.warning("Could not embed the saved example %s", point.pk)
    return point, created


def example_saved(connection_id, question: str) -> bool:
    key = "example:" + hashlib.sha256(normalize_question(question).encode()).hexdigest()[:16]
    return DataPoint.objects.filter(scope_key=f"connection:{connection_id}", key=key).exists()


# --- embeddings ----------------------------------------------------------------------------


class EmbeddingError(Exception):
    pass


def embedding_model() -> str:
    return getattr(settings, "EMBEDDING_MODEL", "") or ""


# DataPoints are embedded, and ranked for a question, by chat.answering (its one LLM gateway
# and its one retrieval module), installed here by the chat app when Django starts: arrows
# point chat -> schemas_app, so this app never imports chat.
_embed: Callable[[Sequence[str]], list[list[float]]] | None = None
_rank: Callable[..., list] | None = None


def install(*, embed: Callable | None = None, rank: Callable | None = None) -> None:
    """Set the functions that embed texts and rank points (chat.apps.ChatConfig.ready)."""
    global _embed, _rank
    if embed is not None:
        _embed = embed
    if rank is not None:
        _rank = rank


def embed_texts(texts: Sequence[str]) -> list[list[float]]:
    """Vectors for texts through the installed gateway (EMBEDDING_MODEL, EMBEDDING_API_BASE or
    LLM_API_BASE, LLM_API_KEY)."""
    if _embed is None:
        raise EmbeddingError("No embedding gateway is installed (the chat app is not loaded).")
    try:
        return _embed(texts)
    except Exception as error:  # the gateway's error carries a message fit to show
        message = (
            getattr(error, "user_message", "") or f"Embeddings failed ({type(error).__name__})."
        )
        raise EmbeddingError(message) from error


def _get(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, dict) else getattr(item, name)


def embed_missing(points: Iterable[DataPoint]) -> int:
    model = embedding_model()
    todo = [p for p in points if not p.embedding or p.embedding_model != model]
    for start in range(0, len(todo), 64):
        batch = todo[start : start + 64]
        vectors = embed_texts([p.search_text for p in batch])
        for point, vector in zip(batch, vectors, strict=True):
            DataPoint.objects.filter(pk=point.pk).update(embedding=vector, embedding_model=model)
            point.embedding, point.embedding_model = vector, model
    return len(todo)


# --- retrieval -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PointCandidate:
    """A DataPoint as answering uses it: plain data, safe to hand to worker threads."""

    id: int
    kind: str
    name: str
    scope: str
    content: dict
    text: str
    embedding: tuple[float, ...] | None = None

    def get(self, name: str, default: Any = None) -> Any:
        return self.content.get(name, default)

    def render(self) -> str:
        """One compact line (or two) for an LLM prompt."""
        c = self.content
        if self.kind == "metric":
            line = f"METRIC {self.name} = {c['sql']}"
            if c.get("filter"):
                line += f" WHERE {c['filter']}"
            if c.get("description"):
                line += f" -- {c['description']}"
        elif self.kind == "glossary":
            line = f"TERM {self.name}: {c['meaning']}"
            if c.get("synonyms"):
                line += f" (also: {', '.join(c['synonyms'])})"
            if c.get("column"):
                line += f" => column {c['column']}"
            if c.get("value"):
                line += f" => {c['value']['column']} = {c['value']['equals']!r}"
            if c.get("filter"):
                line += f" => WHERE {c['filter']}"
        elif self.kind == "table_note":
            line = f"NOTE on {self.name}: {c['note']}"
        else:
            line = f"VERIFIED EXAMPLE Q: {c['question']}\n  SQL: {c['sql']}"
        return line


def load_candidates(connection: Connection | None) -> tuple[PointCandidate, ...]:
    """The points answering may use for a connection: its own plus the global ones; the
    legacy unscoped points only when neither exists (they predate scoping)."""
    keys = ["global"] + ([scope_key_for(connection)] if connection is not None else [])
    rows = list(DataPoint.objects.filter(scope_key__in=keys)[:MAX_CANDIDATES])
    if not rows:
        rows = list(DataPoint.objects.filter(scope_key="unscoped")[:MAX_CANDIDATES])
    model = embedding_model()
    return tuple(
        PointCandidate(
            id=p.pk,
            kind=p.kind,
            name=p.name,
            scope=p.scope,
            content=p.content,
            text=p.search_text,
            embedding=tuple(p.embedding) if p.embedding and p.embedding_model == model else None,
        )
        for p in rows
    )


def retrieve(
    question: str, candidates: Sequence[PointCandidate], *, k: int = 8
) -> list[PointCandidate]:
    """The k points most relevant to the question, ranked by the installed retrieval
    (chat.answering.retrieval.retrieve_points: BM25, blended with embeddings if set)."""
    if _rank is None:
        raise DataPointError("No retrieval is installed (the chat app is not loaded).")
    return _rank(question, candidates, k=k)
