"""`stretch export` and `stretch import`: the whole workspace as versioned JSON lines.

This is how a company moves from the embedded SQLite database to PostgreSQL (or back, or to
a new server): export from one, `stretch migrate` nothing more, import into the other.

The file: a header line, then one line per row in dependency order, each model's rows by
primary key, keys sorted, so exporting what an import loaded gives the same bytes again
(apart from `exported_at`):

    {"counts":{...},"exported_at":"…","format":"stretch-workspace","migrations":{...},…}
    {"model":"okrs.objective","pk":7,"fields":{"cycle":2,"owner_person":3,…}}

Primary keys are kept, so every link (including the change history, whose foreign keys
are plain ids) survives. Links to content types and permissions are natural keys instead
(`["okrs", "objective"]`, `["change_objective", "okrs", "objective"]`): those rows are
made by `migrate` in each database and their ids differ from one database to another.
Many-to-many links (a person's groups, a comment's mentions, a recognition's receivers)
are rows of their own through-model (`auth.user_groups`, `social.comment_mentions`).

Left out, on purpose (`LEFT_OUT`): content types and permissions themselves (made by
migrate), sessions (everyone signs in again), background task results (the queue of the old
database; the worker queues the rhythm again, and webhook deliveries travel as their own
outbox rows) and uploaded spreadsheets waiting between their dry run and apply.

An import goes into an empty database, in one transaction (a failure, or a kill, leaves
nothing), with plain INSERTs: no model signals run, so it writes no notifications, webhook
deliveries nor history rows of its own; the history comes from the file.
"""

import base64
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder

import stretch
from stretch import caching

FORMAT = "stretch-workspace"
VERSION = 1
BATCH = 1000  # rows per INSERT … VALUES batch
PROGRESS_EVERY = 50_000  # an import says how far it got every so many rows

LEFT_OUT = {
    "contenttypes.contenttype": "made by migrate in each database; linked by natural key",
    "auth.permission": "made by migrate in each database; linked by natural key",
    "sessions.session": "sign-ins do not move: everyone signs in again",
    "django_tasks_database.dbtaskresult": "the old database's task queue; the worker "
    "queues the rhythm again and webhook deliveries move as outbox rows",
    "transfer.importjob": "uploaded spreadsheets waiting between their dry run and apply",
}

# What the summaries name, in this order, by the words people use.
SUMMARY = [
    ("auth.user", "people"),
    ("org.team", "teams"),
    ("okrs.cycle", "cycles"),
    ("okrs.objective", "objectives"),
    ("okrs.keyresult", "key results"),
    ("okrs.checkin", "check-ins"),
    ("social.comment", "comments"),
    ("kpis.kpi", "KPIs"),
]
HISTORY = ("okrs.historicalobjective", "okrs.historicalkeyresult", "reviews.historicalreview")


class WorkspaceError(Exception):
    """A file that cannot be imported, or a database it cannot go into: one clear line."""


def label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def exported_models() -> list[type[models.Model]]:
    """Every stored model but those left out, parents before the rows that point at them."""
    candidates = [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and label(m) not in LEFT_OUT
    ]
    position = {m: i for i, m in enumerate(candidates)}
    needs = {
        m: {
            f.related_model
            for f in m._meta.concrete_fields
            if f.is_relation and f.related_model in position and f.related_model is not m
        }
        for m in candidates
    }
    ordered: list[type[models.Model]] = []
    while needs:
        ready = [m for m, deps in needs.items() if not deps] or [
            min(needs, key=position.__getitem__)
        ]
        model = min(ready, key=position.__getitem__)  # a stable order, whatever the database
        ordered.append(model)
        del needs[model]
        for deps in needs.values():
            deps.discard(model)
    return ordered


def _stored_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def applied_migrations() -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        applied.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


# --- export -------------------------------------------------------------------------------


class _NaturalKeys:
    """Content types and permissions by natural key, both ways, read once."""

    def __init__(self) -> None:
        self.type_key = {
            ct.pk: [ct.app_label, ct.model] for ct in ContentType.objects.order_by("pk")
        }
        self.permission_key = {
            pk: [codename, app, model]
            for pk, codename, app, model in Permission.objects.values_list(
                "pk", "codename", "content_type__app_label", "content_type__model"
            )
        }
        self.type_id = {tuple(key): pk for pk, key in self.type_key.items()}
        self.permission_id = {tuple(key): pk for pk, key in self.permission_key.items()}


def _encoder(field: models.Field, keys: _NaturalKeys) -> Callable[[Any], Any]:
    if field.is_relation and field.related_model is ContentType:
        return lambda v: None if v is None else keys.type_key[v]
    if field.is_relation and field.related_model is Permission:
        return lambda v: None if v is None else keys.permission_key[v]
    kind = field.get_internal_type()
    if kind in ("DateTimeField", "DateField", "TimeField"):
        return lambda v: None if v is None else v.isoformat()
    if kind in ("DecimalField", "UUIDField", "DurationField"):
        return lambda v: None if v is None else str(v)
    if kind == "BinaryField":
        return lambda v: None if v is None else base64.b64encode(bytes(v)).decode()
    return lambda v: v


@contextmanager
def _snapshot() -> Iterator[None]:
    """Read every table as of one moment, while the server goes on writing."""
    if connection.in_atomic_block:  # already inside a transaction (tests): read in it
        yield
        return
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        # A deferred read transaction: WAL keeps its snapshot and never blocks the writer
        # (Django's IMMEDIATE transactions would take the write lock for the whole export).
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def write_workspace(out: IO[bytes]) -> dict[str, int]:
    """Write the header and every row to `out`; answer the number of rows per model."""
    with _snapshot():
        keys = _NaturalKeys()
        ordered = exported_models()
        counts = {label(m): m._base_manager.count() for m in ordered}
        header = {
            "format": FORMAT,
            "version": VERSION,
            "stretch": stretch.__version__,
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "migrations": applied_migrations(),
            "counts": counts,
        }
        out.write((_dumps(header) + "\n").encode())
        for model in ordered:
            if not counts[label(model)]:
                continue
            fields = _stored_fields(model)
            names = [f.name for f in fields]
            encoders = [_encoder(f, keys) for f in fields]
            pk = model._meta.pk
            assert pk is not None
            start = '{"model":' + json.dumps(label(model)) + ',"pk":'
            rows = (
                model._base_manager.order_by(pk.attname)
                .values_list(pk.attname, *[f.attname for f in fields])
                .iterator(chunk_size=2000)
            )
            lines = []
            for row in rows:
                values = {n: e(v) for n, e, v in zip(names, encoders, row[1:], strict=True)}
                lines.append(f'{start}{_dumps(row[0])},"fields":{_dumps(values)}}}\n')
                if len(lines) >= 2000:
                    out.write("".join(lines).encode())
                    lines = []
            out.write("".join(lines).encode())
    return counts


def _summary(counts: dict[str, int]) -> str:
    parts = [f"{counts.get(name, 0)} {words}" for name, words in SUMMARY]
    history = sum(counts.get(name, 0) for name in HISTORY)
    return ", ".join([*parts, f"{history} history entries"])


def export_command(path: str) -> None:
    started = time.monotonic()
    if path == "-":
        counts = write_workspace(sys.stdout.buffer)
        sys.stdout.buffer.flush()
        where, report = "standard output", sys.stderr
    else:
        target = Path(path)
        if target.exists():
            raise WorkspaceError(f"{path} already exists: choose a new file name")
        # Written beside the target and put in place only once complete, so a failed or
        # interrupted export never leaves a file that looks like one.
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        try:
            with open(partial, "wb") as out:
                counts = write_workspace(out)
            _put_in_place(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        where, report = path, sys.stdout
    total = sum(counts.values())
    print(
        f"Exported {total} rows to {where} in {time.monotonic() - started:.1f} s: "
        f"{_summary(counts)}.",
        file=report,
    )


def _put_in_place(partial: Path, target: Path) -> None:
    try:
        os.link(partial, target)  # fails, rather than overwrites, if the name was taken
    except FileExistsError:
        raise WorkspaceError(f"{target} already exists: choose a new file name") from None
    except OSError:
        os.replace(partial, target)  # a file system without hard links


# --- import -------------------------------------------------------------------------------


class _Table:
    """How one model's rows go into the database: its INSERT and each column's decoder."""

    def __init__(self, model: type[models.Model], keys: _NaturalKeys) -> None:
        self.model = model
        pk = model._meta.pk
        assert pk is not None
        self.pk = pk
        self.fields = {f.name: f for f in _stored_fields(model)}
        self.names = set(self.fields)
        quote = connection.ops.quote_name
        columns = [pk.column, *[f.column for f in self.fields.values()]]
        self.sql = "INSERT INTO {} ({}) VALUES ({})".format(
            quote(model._meta.db_table),
            ", ".join(quote(c) for c in columns),
            ", ".join(["%s"] * len(columns)),
        )
        self.keys = keys

    def row(self, pk: Any, values: dict[str, Any]) -> list[Any]:
        if self.names != values.keys():
            missing, unknown = self.names - values.keys(), values.keys() - self.names
            raise ValueError(
                f"{label(self.model)} "
                + (f"lacks the field {sorted(missing)[0]!r}" if missing else "")
                + (" and " if missing and unknown else "")
                + (f"has an unknown field {sorted(unknown)[0]!r}" if unknown else "")
            )
        out = [self._value(self.pk, pk)]
        out.extend(self._value(field, values[name]) for name, field in self.fields.items())
        return out

    def _value(self, field: models.Field, value: Any) -> Any:
        if value is None:
            if not field.null and not field.primary_key:
                raise ValueError(f"{label(self.model)} field {field.name!r} may not be empty")
            if field.primary_key:
                raise ValueError(f"{label(self.model)} has no pk")
            return None
        if field.is_relation and field.related_model in (ContentType, Permission):
            known = (
                self.keys.type_id if field.related_model is ContentType else self.keys.permission_id
            )
            key = tuple(value) if isinstance(value, list) else None
            if key not in known:
                raise ValueError(f"field {field.name!r}: {value!r} is unknown in this database")
            return known[key]
        try:
            return field.get_db_prep_save(field.to_python(value), connection)
        except (ValidationError, TypeError, ValueError) as error:
            text = " ".join(getattr(error, "messages", [str(error)]))
            raise ValueError(f"{label(self.model)} field {field.name!r}: {text}") from None


def _parse(number: int, raw: bytes) -> dict[str, Any]:
    try:
        item = json.loads(raw)
    except UnicodeDecodeError:
        raise WorkspaceError(f"line {number}: not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise WorkspaceError(f"line {number}: not a JSON object ({error.msg})") from None
    if not isinstance(item, dict):
        raise WorkspaceError(f"line {number}: not a JSON object")
    return item


def _check_header(header: dict[str, Any]) -> None:
    if header.get("format") != FORMAT:
        raise WorkspaceError(f"line 1: not a Stretch workspace export (no {FORMAT} header)")
    if header.get("version") != VERSION:
        raise WorkspaceError(
            f"line 1: format version {header.get('version')!r} is not one this Stretch reads "
            f"(version {VERSION}); import it with the Stretch version that exported it"
        )
    if not isinstance(header.get("counts"), dict) or not isinstance(header.get("migrations"), dict):
        raise WorkspaceError("line 1: the header lacks its counts or migrations")
    here, there = applied_migrations(), header["migrations"]
    differ = sorted(app for app in here.keys() | there.keys() if here.get(app) != there.get(app))
    if differ:

        def last(m: dict[str, list[str]], app: str) -> str:
            return (m.get(app) or ["none"])[-1]

        apps_text = ", ".join(f"{a} ({last(there, a)} there, {last(here, a)} here)" for a in differ)
        raise WorkspaceError(
            "line 1: the file was exported from a database with other migrations: "
            f"{apps_text}; import it with the same Stretch version as exported it"
        )


def _refuse_if_not_empty(ordered: list[type[models.Model]]) -> None:
    holding = [m for m in ordered if m._base_manager.exists()]
    if holding:
        counts = {label(m): m._base_manager.count() for m in holding}
        named = [f"{n} {label}" for label, n in list(counts.items())[:3]]
        raise WorkspaceError(
            f"the database is not empty (it holds {', '.join(named)}"
            f"{' and more' if len(holding) > 3 else ''}): import into a new database, "
            "right after `stretch migrate`"
        )


def read_workspace(
    lines: Iterable[bytes], progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Load an export into this empty database, all or nothing; answer rows per model."""
    numbered = iter(enumerate(lines, start=1))
    first = next(numbered, None)
    if first is None:
        raise WorkspaceError("line 1: the file is empty")
    header = _parse(1, first[1])
    _check_header(header)
    ordered = exported_models()
    by_label = {label(m): m for m in ordered}
    expected = {str(k): v for k, v in header["counts"].items()}
    total = sum(v for v in expected.values() if isinstance(v, int))
    loaded = dict.fromkeys(by_label, 0)
    try:
        with transaction.atomic():
            _refuse_if_not_empty(ordered)
            keys = _NaturalKeys()
            tables: dict[str, _Table] = {}
            batch: list[list[Any]] = []
            batch_from, table = 0, None
            done = 0
            with connection.cursor() as cursor:

                def flush() -> None:
                    if batch and table is not None:
                        try:
                            cursor.executemany(table.sql, batch)
                        except DatabaseError as error:
                            raise WorkspaceError(
                                f"lines {batch_from}-{batch_from + len(batch) - 1} "
                                f"({label(table.model)}): the database refused them: "
                                f"{str(error).strip().splitlines()[0]}"
                            ) from None
                    batch.clear()

                for number, raw in numbered:
                    if not raw.strip():
                        continue
                    item = _parse(number, raw)
                    name = item.get("model")
                    if name not in by_label:
                        why = LEFT_OUT.get(str(name), "no such model in this Stretch")
                        raise WorkspaceError(f"line {number}: cannot load {name!r}: {why}")
                    if not isinstance(item.get("fields"), dict) or "pk" not in item:
                        raise WorkspaceError(f"line {number}: lacks its pk or fields")
                    if table is None or label(table.model) != name or len(batch) >= BATCH:
                        flush()
                        if name not in tables:
                            tables[name] = _Table(by_label[name], keys)
                        table = tables[name]
                    if not batch:
                        batch_from = number
                    try:
                        batch.append(table.row(item["pk"], item["fields"]))
                    except ValueError as error:
                        raise WorkspaceError(f"line {number}: {error}") from None
                    loaded[name] += 1
                    done += 1
                    if progress and done % PROGRESS_EVERY == 0:
                        flush()
                        progress(done, total)
                flush()
                short = {n: c for n, c in expected.items() if loaded.get(n, 0) != c}
                if short:
                    name = sorted(short)[0]
                    raise WorkspaceError(
                        f"the file ends early or was changed: its header counts "
                        f"{short[name]} {name} rows, the file holds {loaded.get(name, 0)}"
                    )
                for sql in connection.ops.sequence_reset_sql(no_style(), ordered):
                    cursor.execute(sql)  # new rows get ids after the imported ones
    except DatabaseError as error:  # at commit: a link to a row the file does not hold
        raise WorkspaceError(
            "the database refused the import, and nothing was written (does a row point at "
            f"one the file lacks?): {str(error).strip().splitlines()[0]}"
        ) from None
    return loaded


def import_command(path: str) -> None:
    started = time.monotonic()

    def progress(done: int, total: int) -> None:
        print(f"… {done} of {total} rows loaded", flush=True)

    if path == "-":
        counts = read_workspace(sys.stdin.buffer, progress)
        where = "standard input"
    else:
        try:
            source = open(path, "rb")  # noqa: SIM115 (closed below)
        except OSError as error:
            raise WorkspaceError(f"cannot read {path}: {error.strerror}") from None
        with source:
            counts = read_workspace(source, progress)
        where = path
    caching.bump()  # plain inserts send no signals: servers sharing the cache must rebuild
    print(
        f"Imported {sum(counts.values())} rows from {where} in "
        f"{time.monotonic() - started:.1f} s: {_summary(counts)}. People sign in with "
        "their passwords as before; sessions and queued background tasks were not moved."
    )
