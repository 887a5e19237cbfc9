"""`stretch backup FILE`: an online copy of the SQLite database, checked, never overwriting;
on PostgreSQL a clear pointer to pg_dump or `stretch export`."""

import hashlib
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from stretch.cli import main
from stretch.transfer.backup import BackupError, backup_sqlite
from tests.test_cli import assert_fails_with_one_line
from tests.transfer.test_workspace_cli import migrated_sqlite, run

pytestmark = pytest.mark.django_db  # the template copies the suite's migrated database


def add_people(db: sqlite3.Connection, first: int, count: int) -> None:
    db.executemany(
        "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name,"
        " email, is_staff, is_active, date_joined) VALUES (?, '!', 0, ?, '', '', '', 0, 1,"
        " '2026-01-05 09:00:00')",
        [(pk, f"person{pk}") for pk in range(first, first + count)],
    )


@pytest.fixture(scope="module")
def template(tmp_path_factory, django_db_setup, django_db_blocker) -> Path:
    """A migrated Stretch database with 40 people and some 30 MB of other pages."""
    path = tmp_path_factory.mktemp("backup") / "db.sqlite3"
    migrated_sqlite(path, django_db_blocker)
    with closing(sqlite3.connect(path)) as db:
        add_people(db, 1, 40)
        db.execute("CREATE TABLE padding (bytes BLOB)")
        db.executemany("INSERT INTO padding VALUES (randomblob(4096))", [()] * 7500)
        db.commit()
    return path


@pytest.fixture
def database(template, tmp_path) -> Path:
    path = tmp_path / "data" / "db.sqlite3"
    path.parent.mkdir()
    with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(path)) as copy:
        source.backup(copy)
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA journal_mode=WAL").fetchone() == ("wal",)
    return path


def people_in(path: Path) -> int:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT count(*) FROM auth_user").fetchone()[0]


def test_a_backup_while_another_connection_writes_is_a_valid_copy(database, tmp_path):
    committed = [0]
    stop = threading.Event()

    def write() -> None:  # the server, committing one person at a time
        with closing(sqlite3.connect(database, timeout=20)) as db:
            while not stop.is_set():
                add_people(db, 1000 + committed[0], 1)
                db.commit()
                committed[0] += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while committed[0] < 20:
            stop.wait(0.005)
        before = committed[0]
        counts = backup_sqlite(database, tmp_path / "copy.sqlite3")
        during = committed[0] - before
    finally:
        stop.set()
        writer.join()
    copy = tmp_path / "copy.sqlite3"
    assert during > 0, "the server kept writing while the backup ran"
    # Everyone committed before it began; nobody after it ended (one may be committing).
    assert before + 40 <= counts["auth_user"] <= before + during + 40 + 1
    assert people_in(copy) == counts["auth_user"]
    with closing(sqlite3.connect(copy)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.sqlite3", "data"]


def test_a_transaction_open_during_the_backup_stays_out_of_the_copy(database, tmp_path):
    with closing(sqlite3.connect(database, isolation_level=None)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        add_people(writer, 500, 5)
        counts = backup_sqlite(database, tmp_path / "copy.sqlite3")
        writer.execute("COMMIT")
    assert counts["auth_user"] == 40
    assert people_in(database) == 45


def test_stretch_backup_prints_the_size_and_counts_and_never_overwrites(database, tmp_path):
    url = f"sqlite:///{database}"
    target = tmp_path / "stretch-backup.sqlite3"
    made = run(database.parent, "backup", str(target), database_url=url)
    assert made.returncode == 0, made.stderr
    assert f"to {target} (" in made.stdout and " MB)" in made.stdout
    assert "integrity check ok" in made.stdout and "40 people, 0 objectives" in made.stdout
    assert people_in(target) == 40
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    again = run(database.parent, "backup", str(target), database_url=url)
    line = assert_fails_with_one_line(again, "stretch backup: error:", "already exists")
    assert str(target) in line
    assert hashlib.sha256(target.read_bytes()).hexdigest() == digest


def test_stretch_backup_on_postgresql_points_to_pg_dump(tmp_path):
    url = "postgres://nobody@127.0.0.1:1/stretch"  # refused before connecting
    result = run(tmp_path, "backup", str(tmp_path / "copy"), database_url=url)
    assert_fails_with_one_line(result, "stretch backup: error:", "PostgreSQL", "pg_dump", "export")
    assert not (tmp_path / "copy").exists()


def test_backup_of_the_suites_database_is_refused_clearly(tmp_path, capsys):
    from django.db import connection

    assert main(["backup", str(tmp_path / "copy")]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    expected = "pg_dump" if connection.vendor == "postgresql" else "in memory"
    assert expected in error
    assert not (tmp_path / "copy").exists()


def test_a_backup_into_a_missing_folder_is_refused(database, tmp_path):
    with pytest.raises(BackupError, match="no folder"):
        backup_sqlite(database, tmp_path / "nowhere" / "copy.sqlite3")
