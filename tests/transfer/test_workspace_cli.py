"""`stretch export` and `stretch import` as real processes: a company moves from SQLite to
PostgreSQL and back with the same bytes, new rows on PostgreSQL get fresh ids, and an
import killed half-way leaves nothing behind.

Each process gets its own database: a copy of one freshly migrated SQLite file, or a
PostgreSQL database made and dropped here (postgres://postgres@127.0.0.1:5432/, trust
auth; STRETCH_TEST_POSTGRES_URL points elsewhere). The file they move is exported
in-process from the suite's database, filled with a row in every table.
"""

import json
import os
import select
import shutil
import signal
import sqlite3
import subprocess
import time
import uuid
from contextlib import closing
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection, transaction
from django.test import override_settings

from stretch.transfer import workspace
from stretch.transfer.workspace import exported_models, write_workspace
from tests.test_cli import STRETCH, assert_fails_with_one_line, env_for
from tests.transfer.test_workspace import fill_every_table, without_time

# The module's fixtures read the suite's database: pytest-django sets it up only for a
# session with tests marked for it.
pytestmark = pytest.mark.django_db

KEPT = {"django_migrations", "django_content_type", "auth_permission", "sqlite_sequence"}


def run(folder: Path, *args: str, database_url: str | None = None, timeout: int = 120):
    return subprocess.run(
        [*STRETCH, *args],
        env=env_for(folder, database_url),
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def migrated_sqlite(path: Path, django_db_blocker) -> None:
    """A freshly migrated, empty Stretch database at `path`.

    When the suite runs on (in-memory) SQLite, its migrated database is copied, which takes
    milliseconds instead of the seconds `stretch migrate` needs; either way every table but
    migrate's own rows is emptied.
    """
    if connection.vendor == "sqlite":
        with django_db_blocker.unblock():
            connection.ensure_connection()
            with closing(sqlite3.connect(path)) as target:
                connection.connection.backup(target)
    else:
        folder = path.parent
        result = run(folder, "migrate", database_url=f"sqlite:///{path}")
        assert result.returncode == 0, result.stderr
    with closing(sqlite3.connect(path)) as db:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for name in sorted(set(names) - KEPT):
            db.execute(f'DELETE FROM "{name}"')
        db.execute("DELETE FROM sqlite_sequence")
        db.execute("PRAGMA journal_mode=WAL")
        db.commit()


@pytest.fixture(scope="module")
def template(tmp_path_factory, django_db_setup, django_db_blocker) -> Path:
    path = tmp_path_factory.mktemp("template") / "db.sqlite3"
    migrated_sqlite(path, django_db_blocker)
    return path


@pytest.fixture(scope="module")
def company_file(tmp_path_factory, django_db_setup, django_db_blocker) -> Path:
    """The demo company and a row in every other table, exported from the suite's database
    (and rolled back there)."""
    path = tmp_path_factory.mktemp("export") / "company.jsonl"
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=hashers),
        transaction.atomic(),
    ):
        fill_every_table()
        with open(path, "wb") as out:
            write_workspace(out)
        transaction.set_rollback(True)
    return path


def fresh_sqlite(template: Path, folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, folder / "db.sqlite3")
    return f"sqlite:///{folder / 'db.sqlite3'}"


def move(source: Path, folder: Path, database_url: str) -> Path:
    """`stretch import` the file into the database, then `stretch export` it again."""
    folder.mkdir(parents=True, exist_ok=True)
    loaded = run(folder, "import", str(source), database_url=database_url)
    assert loaded.returncode == 0, loaded.stderr
    assert "Imported" in loaded.stdout and "people" in loaded.stdout
    again = folder / "again.jsonl"
    written = run(folder, "export", str(again), database_url=database_url)
    assert written.returncode == 0, written.stderr
    return again


@pytest.fixture
def scratch_postgres():
    """A PostgreSQL database of its own, dropped afterwards."""
    base = os.environ.get("STRETCH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/")
    import psycopg

    parts = urlsplit(base)
    admin = urlunsplit(parts._replace(path="/postgres"))
    name = f"stretch_ws_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        reason = (
            f"PostgreSQL is not reachable at {admin} ({str(error).strip()[:80]}); start one "
            "that trusts postgres@127.0.0.1:5432, or set STRETCH_TEST_POSTGRES_URL"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_company_moves_from_sqlite_to_sqlite_with_the_same_bytes(
    company_file, template, tmp_path
):
    again = move(company_file, tmp_path, fresh_sqlite(template, tmp_path))
    assert without_time(again.read_bytes()) == without_time(company_file.read_bytes())


@pytest.mark.postgres
def test_a_company_moves_to_postgresql_and_back_with_the_same_bytes(
    company_file, template, tmp_path, scratch_postgres
):
    if connection.vendor != "sqlite":
        pytest.skip("runs in the SQLite run of the suite (it makes its own PostgreSQL database)")
    import psycopg

    # The company file comes from SQLite (the suite's database in this run).
    on_postgres = move(company_file, tmp_path / "pg", scratch_postgres)
    back = move(on_postgres, tmp_path / "b", fresh_sqlite(template, tmp_path / "b"))
    original = without_time(company_file.read_bytes())
    assert without_time(on_postgres.read_bytes()) == original
    assert without_time(back.read_bytes()) == original
    # Every table's id sequence on PostgreSQL continues after the imported rows.
    behind = []
    with psycopg.connect(scratch_postgres, autocommit=True) as conn:
        for model in exported_models():
            table, column = model._meta.db_table, model._meta.pk.column
            top, following = conn.execute(
                f'SELECT (SELECT max("{column}") FROM "{table}"), '
                f"nextval(pg_get_serial_sequence('\"{table}\"', '{column}'))"
            ).fetchone()
            if top is not None and following <= top:
                behind.append(table)
    assert behind == []
    made = run(tmp_path, "createuser", "newcomer", database_url=scratch_postgres)
    assert made.returncode == 0, made.stderr
    again = run(tmp_path, "import", str(company_file), database_url=scratch_postgres)
    assert_fails_with_one_line(again, "stretch import: error:", "not empty")


def big_file(path: Path, company_file: Path, people: int) -> None:
    """A valid export of a team, a cycle, objectives and `people` people."""
    header = json.loads(company_file.read_bytes().partition(b"\n")[0])
    header["counts"] = dict.fromkeys(header["counts"], 0)
    header["counts"].update({"org.team": 1, "okrs.cycle": 1, "okrs.objective": 100})
    header["counts"]["auth.user"] = people
    user = {
        "password": "!",
        "last_login": None,
        "is_superuser": False,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_staff": False,
        "is_active": True,
        "date_joined": "2026-01-05T09:00:00+00:00",
    }
    rows = [
        {"model": "org.team", "pk": 1, "fields": {"name": "Co", "parent": None,
         "description": "", "check_in_cadence": "weekly", "check_in_weekday": 4}},
        {"model": "okrs.cycle", "pk": 1, "fields": {"name": "2026", "start": "2026-01-01",
         "end": "2026-12-31", "status": "active", "cadence": "weekly", "closes_on": None,
         "auto_advance": True}},
    ]  # fmt: skip
    objective = {
        "cycle": 1, "owner_person": None, "owner_team": 1, "description": "", "strategy": "",
        "parent": None, "pillar": None, "kind": "committed", "visibility": "public",
        "status": "active", "stop_reason": "", "score": None, "score_reason": "",
        "reflection": "", "origin": None, "version": 1,
        "created_at": "2026-01-05T09:00:00+00:00", "updated_at": "2026-01-05T09:00:00+00:00",
    }  # fmt: skip
    with open(path, "w") as out:
        out.write(json.dumps(header) + "\n")
        for row in rows:
            out.write(json.dumps(row) + "\n")
        for pk in range(1, 101):
            fields = {**objective, "title": f"Objective {pk}"}
            out.write(json.dumps({"model": "okrs.objective", "pk": pk, "fields": fields}) + "\n")
        for pk in range(1, people + 1):
            fields = {**user, "username": f"person{pk}"}
            out.write(json.dumps({"model": "auth.user", "pk": pk, "fields": fields}) + "\n")


def test_an_import_killed_half_way_leaves_nothing_behind(company_file, template, tmp_path):
    people = 2 * workspace.PROGRESS_EVERY
    source = tmp_path / "big.jsonl"
    big_file(source, company_file, people)
    url = fresh_sqlite(template, tmp_path)
    importing = subprocess.Popen(
        [*STRETCH, "import", str(source)],
        env=env_for(tmp_path, url),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        line = ""
        while "rows loaded" not in line:  # it has written rows it has not committed
            assert time.monotonic() < deadline, "the import said nothing in 60 s"
            ready, _, _ = select.select([importing.stdout], [], [], 1)
            if ready:
                line = importing.stdout.readline()
                assert line or importing.poll() is None, importing.stderr.read()
        os.kill(importing.pid, signal.SIGKILL)
        assert importing.wait(timeout=10) == -signal.SIGKILL
    finally:
        if importing.poll() is None:
            importing.kill()
        importing.stdout.close()
        importing.stderr.close()
    with closing(sqlite3.connect(tmp_path / "db.sqlite3")) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        for table in ("auth_user", "org_team", "okrs_cycle", "okrs_objective"):
            assert db.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table
    # Nor is it left locked: a company imports into it afterwards.
    done = run(tmp_path, "import", str(company_file), database_url=url)
    assert done.returncode == 0, done.stderr


def test_a_row_pointing_at_one_the_file_lacks_is_refused_at_commit(
    company_file, template, tmp_path
):
    lines = company_file.read_bytes().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(b'{"model":"okrs.objective"'))
    row = json.loads(lines[at])
    row["fields"]["cycle"] = 999_999
    lines[at] = json.dumps(row).encode() + b"\n"
    source = tmp_path / "broken.jsonl"
    source.write_bytes(b"".join(lines))
    url = fresh_sqlite(template, tmp_path)
    result = run(tmp_path, "import", str(source), database_url=url)
    assert_fails_with_one_line(result, "nothing was written", "FOREIGN KEY")
    with closing(sqlite3.connect(tmp_path / "db.sqlite3")) as db:
        assert db.execute("SELECT count(*) FROM auth_user").fetchone() == (0,)
