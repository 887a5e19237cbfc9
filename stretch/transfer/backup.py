"""`stretch backup FILE`: a consistent copy of the embedded SQLite database, made online.

SQLite's backup API copies the database page by page in one step under a read
transaction: in WAL mode the server goes on writing meanwhile, and the copy is the database
as of the moment the copy began. The copy is written beside FILE, checked with
`PRAGMA integrity_check`, switched to a single self-contained file (no -wal beside it) and
only then given its name. An existing FILE is never overwritten: a backup that replaces the
last good one is not a backup (remove it first, or give each backup its own name, such as
the date).

On PostgreSQL the database server does this better: `pg_dump`, or `stretch export` for a
file any Stretch database can load.
"""

import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from django.db import connection

# What the summary counts, by table: the rows people would miss first.
COUNTED = [
    ("auth_user", "people"),
    ("okrs_objective", "objectives"),
    ("okrs_keyresult", "key results"),
    ("okrs_checkin", "check-ins"),
]


class BackupError(Exception):
    """A backup that cannot be made: one clear line."""


def source_path() -> Path:
    """The SQLite file this installation runs on, or a clear refusal."""
    if connection.vendor == "postgresql":
        raise BackupError(
            "this installation runs on PostgreSQL: back it up with pg_dump (for example "
            "`pg_dump --format=custom --file=stretch.dump DBNAME`), or write a file any "
            "Stretch database can load with `stretch export FILE`"
        )
    if connection.vendor != "sqlite":
        raise BackupError(
            f"`stretch backup` copies SQLite databases; this one is {connection.vendor}: "
            "use the database's own backup tool, or `stretch export FILE`"
        )
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("the database is in memory: there is no file to back up")
    path = Path(name)
    if not path.is_file():
        raise BackupError(f"there is no database at {path} yet (run `stretch migrate`)")
    return path


def backup_sqlite(source: Path, target: Path) -> dict[str, int]:
    """Copy `source` to `target` online and check the copy; answer its row counts.

    Never overwrites `target`; on any failure nothing is left at `target`.
    """
    if target.exists():
        raise BackupError(
            f"{target} already exists: a backup never overwrites a file "
            "(remove it, or choose a new name such as one with the date)"
        )
    if not target.parent.is_dir():
        raise BackupError(f"there is no folder {target.parent} to write the backup in")
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        with (
            closing(sqlite3.connect(source, timeout=20)) as src,
            closing(sqlite3.connect(partial)) as copy,
        ):
            src.backup(copy)  # all pages in one step: one consistent snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
            problems = [row[0] for row in copy.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"the copy failed its integrity check: {problems[0]}")
            tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master")}
            counts = {
                table: copy.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
                for table, _words in COUNTED
                if table in tables
            }
        try:
            os.link(partial, target)  # fails, rather than overwrites, if the name was taken
        except FileExistsError:
            raise BackupError(
                f"{target} already exists: a backup never overwrites a file"
            ) from None
        except OSError:
            os.replace(partial, target)  # a file system without hard links
    except sqlite3.Error as error:
        raise BackupError(f"the backup failed: {error}") from None
    finally:
        for leftover in ("", "-wal", "-shm", "-journal"):
            Path(f"{partial}{leftover}").unlink(missing_ok=True)
    return counts


def _size(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} bytes"


def backup_command(path: str) -> None:
    if path == "-":
        raise BackupError("give a file name to write the backup to (not -)")
    started = time.monotonic()
    source = source_path()
    target = Path(path)
    if target.resolve() == source.resolve():
        raise BackupError(f"{path} is the database itself: choose another file")
    counts = backup_sqlite(source, target)
    summary = ", ".join(f"{counts.get(table, 0)} {words}" for table, words in COUNTED)
    print(
        f"Backed up {source} to {target} ({_size(target.stat().st_size)}) in "
        f"{time.monotonic() - started:.1f} s; integrity check ok; {summary}."
    )
    print(
        f"To restore it: stop Stretch, delete {source.name}-wal and {source.name}-shm if "
        f"present, put the copy in place of {source.name}, start Stretch."
    )
