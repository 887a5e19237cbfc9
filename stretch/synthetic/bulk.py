"""Fast inserts of rows the generator made: COPY on PostgreSQL, executemany on SQLite.

Rows are tuples in the order of the columns given (attnames); the ids are the generator's.
Values are plain Python (int, float, str, bool, None, aware datetime, date); JSON columns
take their text already serialised.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max, Model


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def next_id(model: type[Model]) -> int:
    """The first id free in the model's table (1 in an empty one)."""
    return (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1


def _columns(model: type[Model], attnames: Sequence[str]) -> list[str]:
    by_attname = {f.attname: f.column for f in model._meta.concrete_fields}
    return [by_attname[name] for name in attnames]


def _sqlite_datetime(value: datetime | None) -> str | None:
    return None if value is None else str(value.astimezone(UTC).replace(tzinfo=None))


def _sqlite_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _sqlite_converters(model: type[Model], attnames: Sequence[str]) -> list[tuple[int, Any]]:
    """(column index, converter) for the columns SQLite needs as text: datetimes, dates."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    found = []
    for i, name in enumerate(attnames):
        kind = fields[name].get_internal_type()
        if kind == "DateTimeField":
            found.append((i, _sqlite_datetime))
        elif kind == "DateField":
            found.append((i, _sqlite_date))
    return found


class Writer:
    """Writes rows of one table at a time, counting them per table."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.postgresql = is_postgresql()
        self.models: list[type[Model]] = []

    def write(self, model: type[Model], attnames: Sequence[str], rows: Iterable[Sequence]) -> int:
        table = model._meta.db_table
        columns = _columns(model, attnames)
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        count = 0
        with connection.cursor() as wrapper:
            cursor = wrapper.cursor  # the driver's own cursor
            if self.postgresql:
                sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
                with cursor.copy(sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            else:
                marks = ", ".join("?" for _ in columns)
                sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({marks})'
                converters = _sqlite_converters(model, attnames)
                batch: list[list] = []
                for row in rows:
                    values = list(row)
                    for i, convert in converters:
                        values[i] = convert(values[i])
                    batch.append(values)
                    if len(batch) >= 20_000:
                        cursor.executemany(sql, batch)
                        count += len(batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
                    count += len(batch)
        self.counts[table] = self.counts.get(table, 0) + count
        if model not in self.models:
            self.models.append(model)
        return count

    def write_dicts(self, model: type[Model], rows: Sequence[dict]) -> int:
        """Rows as dicts of attnames; a missing field takes its default."""
        if not rows:
            return 0
        fields = [f for f in model._meta.concrete_fields]
        attnames = [f.attname for f in fields]
        defaults = {f.attname: f.get_default() for f in fields}
        return self.write(
            model,
            attnames,
            (tuple(row[a] if a in row else defaults[a] for a in attnames) for row in rows),
        )

    def reset_sequences(self) -> None:
        """Let the database's own ids continue after the generator's (PostgreSQL)."""
        statements = connection.ops.sequence_reset_sql(no_style(), self.models)
        if statements:
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)
