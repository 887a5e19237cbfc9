"""The `stretch` command, run the way a person runs it: a real process in a shell.

Every invocation gets its own data folder (STRETCH_DATA_DIR) and a SQLite DATABASE_URL inside
it, so these tests never touch the developer's database nor pytest-django's test database,
whichever database the rest of the suite runs on. The last tests load the demo in-process,
into the test database.
"""

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from stretch import demo
from stretch.okrs import services as okrs
from stretch.okrs.models import CheckIn, Cycle, KeyResult, Objective


def _stretch_command() -> list[str]:
    script = Path(sys.executable).parent / "stretch"
    if script.exists():
        return [str(script)]
    if found := shutil.which("stretch"):
        return [found]
    return [sys.executable, "-m", "stretch.cli"]


STRETCH = _stretch_command()


def env_for(folder: Path, database_url: str | None = None) -> dict[str, str]:
    """The environment of one installation: its own data folder and database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRETCH_")}
    env["STRETCH_DATA_DIR"] = str(folder)
    env["DATABASE_URL"] = database_url or f"sqlite:///{folder / 'db.sqlite3'}"
    return env


def stretch(folder: Path, *args: str, database_url: str | None = None):
    return subprocess.run(
        [*STRETCH, *args],
        env=env_for(folder, database_url),
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_fails_with_one_line(result, *words: str) -> str:
    """A non-zero exit, no traceback, and exactly one `error:` line naming the problem."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0], result.stderr
    return errors[0]


def row_counts(folder: Path) -> dict[str, int]:
    tables = ["auth_user", "org_team", "okrs_objective", "okrs_keyresult", "okrs_checkin"]
    tables += ["social_comment", "okrs_proposal"]
    with closing(sqlite3.connect(folder / "db.sqlite3")) as db:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10)


@contextmanager
def serving(folder: Path, *options: str, database_url: str | None = None):
    """Run `stretch serve` until it answers; yields (base URL, path of its output)."""
    port = free_port()
    log = folder / f"serve-{port}.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [*STRETCH, "serve", "--port", str(port), *options],
            env=env_for(folder, database_url),
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                pytest.fail(f"stretch serve exited ({server.returncode}):\n{log.read_text()}")
            try:
                get(f"{base}/login/").close()
                break
            except urllib.error.HTTPError:
                break  # it answered
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"stretch serve did not answer in 30 s:\n{log.read_text()}")
                time.sleep(0.2)
        yield base, log
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, 9)  # its own session: the master and its workers
            server.wait(timeout=5)


# --- help ------------------------------------------------------------------------------


def test_stretch_help_lists_every_command(tmp_path):
    result = stretch(tmp_path, "--help")
    assert result.returncode == 0, result.stderr
    for command in [
        "migrate",
        "serve",
        "demo",
        "token",
        "createuser",
        "worker",
        "remind",
        "manage",
    ]:
        assert command in result.stdout


def undescribed_options(help_text: str) -> list[str]:
    """The arguments and options that a --help lists without saying what they are for."""
    lines = help_text.splitlines()
    missing = []
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        entry = re.fullmatch(r"  (\S+(?: [A-Z_]+)?)(\s{2,}\S.*)?", line)
        if entry and not entry.group(2) and not re.match(r"\s{4,}\S", following):
            missing.append(entry.group(1))
    return missing


@pytest.mark.parametrize(
    "command, words",
    [
        ("migrate", ["database"]),
        ("serve", ["gunicorn", "--host", "--port", "--workers", "--threads", "--access-log"]),
        ("demo", ["demo company", "--host", "--port"]),
        ("token", ["API token", "username", "--name"]),
        ("createuser", ["log in", "username", "--email", "--password", "--name", "--admin"]),
    ],
)
def test_each_command_explains_itself_and_its_options(tmp_path, command, words):
    result = stretch(tmp_path, command, "--help")
    assert result.returncode == 0, result.stderr
    assert f"usage: stretch {command}" in result.stdout
    for word in words:
        assert word in result.stdout
    assert undescribed_options(result.stdout) == []
    assert not (tmp_path / "db.sqlite3").exists()  # asking for help changes nothing


# --- migrate, createuser, errors -------------------------------------------------------


def test_migrate_creates_the_database(tmp_path):
    result = stretch(tmp_path, "migrate")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "db.sqlite3").is_file()
    assert row_counts(tmp_path)["auth_user"] == 0


def test_creating_the_same_user_twice_fails_with_one_clear_line(tmp_path):
    assert stretch(tmp_path, "migrate").returncode == 0
    args = ["createuser", "bob", "--email", "b@x", "--password", "secret-pass-1", "--admin"]
    first = stretch(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    assert "Created administrator bob" in first.stdout
    second = stretch(tmp_path, *args)
    assert_fails_with_one_line(second, "stretch createuser: error:", "bob", "taken")
    assert second.stderr.count("\n") == 1
    assert row_counts(tmp_path)["auth_user"] == 1


def test_a_token_for_an_unknown_user_fails_with_one_clear_line(tmp_path):
    assert stretch(tmp_path, "migrate").returncode == 0
    result = stretch(tmp_path, "token", "nobody")
    assert_fails_with_one_line(result, "stretch token: error:", "nobody")
    assert result.stderr.count("\n") == 1
    assert result.stdout == ""


def test_an_unknown_command_fails_and_names_it(tmp_path):
    result = stretch(tmp_path, "frobnicate")
    assert_fails_with_one_line(result, "invalid choice", "frobnicate")


def test_an_unreachable_database_fails_with_one_clear_line(tmp_path):
    result = stretch(tmp_path, "migrate", database_url="postgres://nobody@127.0.0.1:1/x")
    assert_fails_with_one_line(result, "stretch migrate: error:", "127.0.0.1")
    assert result.stderr.count("\n") == 1


def test_a_short_password_is_refused_by_name(tmp_path):
    result = stretch(tmp_path, "createuser", "zed", "--password", "short")
    assert_fails_with_one_line(result, "password", "too short")
    assert row_counts(tmp_path)["auth_user"] == 0


def test_createuser_and_token_work_on_a_fresh_database(tmp_path):
    made = stretch(tmp_path, "createuser", "zed", "--password", "long-enough-pw")
    assert made.returncode == 0, made.stderr
    token = stretch(tmp_path, "token", "zed")
    assert token.returncode == 0 and token.stdout.startswith("stk_")


def test_a_malformed_database_url_is_named_with_the_forms_it_takes(tmp_path):
    result = stretch(tmp_path, "migrate", database_url="bogus")
    line = assert_fails_with_one_line(result, "DATABASE_URL", "sqlite:///", "postgres://")
    assert len(line) < 200


# --- demo, token and serve -------------------------------------------------------------


class DemoSite:
    def __init__(self, folder: Path, first_run):
        self.folder, self.first_run = folder, first_run


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    """One installation with the demo company loaded by `stretch demo`."""
    folder = tmp_path_factory.mktemp("demo")
    return DemoSite(folder, stretch(folder, "demo"))


def test_demo_loads_the_company_and_says_how_to_log_in(demo_site):
    result = demo_site.first_run
    assert result.returncode == 0, result.stderr
    assert "Loaded the demo company" in result.stdout
    assert "http://127.0.0.1:8000/" in result.stdout
    assert re.search(rf"\b{demo.LOGIN}\b", result.stdout)
    assert demo.PASSWORD in result.stdout
    counts = row_counts(demo_site.folder)
    assert counts["auth_user"] == len(demo.PEOPLE)
    # The listed objectives, and one draft waiting for agreement (the demo's talk).
    assert counts["okrs_objective"] == len(demo.OBJECTIVES) + 1
    assert counts["okrs_keyresult"] > counts["okrs_objective"]
    assert counts["social_comment"] >= len(demo.COMMENTS)
    assert counts["okrs_proposal"] == 1


def test_running_the_demo_again_changes_nothing(demo_site):
    before = row_counts(demo_site.folder)
    result = stretch(demo_site.folder, "demo", "--host", "okrs.example", "--port", "9000")
    assert result.returncode == 0, result.stderr
    assert "nothing changed" in result.stdout
    assert "http://okrs.example:9000/" in result.stdout
    assert row_counts(demo_site.folder) == before


def test_a_token_from_stretch_token_signs_in_to_stretch_serve(demo_site):
    result = stretch(demo_site.folder, "token", demo.LOGIN, "--name", "cli test")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token and len(token.split()) == 1
    with serving(demo_site.folder) as (base, log):
        with get(f"{base}/api/v1/me", token) as response:
            me = json.load(response)
        assert me["username"] == demo.LOGIN
        with pytest.raises(urllib.error.HTTPError) as refused:
            get(f"{base}/api/v1/me", token + "x")
        assert refused.value.code == 401
        with get(f"{base}/login/") as response:
            assert response.status == 200
            assert response.headers.get_content_type() == "text/html"
            assert "<form" in response.read().decode()
        # gunicorn with its worker processes, not Django's development server.
        deadline = time.monotonic() + 10
        while log.read_text().count("Booting worker") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        output = log.read_text()
    assert "Starting gunicorn" in output
    assert output.count("Booting worker") == 2
    assert "development server" not in output


def test_serve_with_demo_prints_the_login_at_the_address_it_serves(demo_site):
    with serving(demo_site.folder, "--demo") as (base, log):
        with get(f"{base}/login/") as response:
            assert response.status == 200
        output = log.read_text()
    assert f"Log in at {base}/ as {demo.LOGIN}" in output
    assert "nothing changed" in output


def test_serve_gives_static_files_content_hashed_names_cached_for_long(demo_site):
    with serving(demo_site.folder) as (base, _log):
        with get(f"{base}/login/") as response:
            page = response.read().decode()
        found = re.search(r'href="(/static/stretch/app\.[0-9a-f]{12}\.css)"', page)
        assert found, "the stylesheet's name carries its content hash"
        with get(f"{base}{found.group(1)}") as response:
            assert response.status == 200
            assert "max-age=315360000" in response.headers["Cache-Control"]


def test_loading_the_demo_in_a_later_quarter_adds_nothing(db):
    from datetime import date

    assert demo.load(today=date(2026, 5, 1)) > 0
    assert demo.load(today=date(2026, 11, 1)) == 0
    assert not Cycle.objects.filter(name="2026 Q4").exists()


@pytest.fixture
def scratch_postgres():
    """A throwaway PostgreSQL database next to the suite's own, when the suite runs on one."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the suite runs on SQLite")
    import psycopg

    parts = urlsplit(url)
    name = f"stretch_cli_{uuid.uuid4().hex[:10]}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    try:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        pytest.skip(f"cannot create a scratch database: {error}")
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_serve_on_postgres_answers_concurrent_requests_from_every_worker(
    tmp_path, scratch_postgres
):
    """Sync workers (one thread) must not share the connection migrate opened before forking."""
    assert stretch(tmp_path, "migrate", database_url=scratch_postgres).returncode == 0
    made = stretch(tmp_path, "createuser", "carol", database_url=scratch_postgres)
    assert made.returncode == 0, made.stderr
    token = stretch(tmp_path, "token", "carol", database_url=scratch_postgres).stdout.strip()
    options = ["--workers", "3", "--threads", "1"]
    with serving(tmp_path, *options, database_url=scratch_postgres) as (base, _log):

        def me(_):
            try:
                with get(f"{base}/api/v1/me", token) as response:
                    return json.load(response)["username"]
            except (OSError, ValueError) as error:
                return repr(error)[:80]

        with ThreadPoolExecutor(12) as pool:
            answers = Counter(pool.map(me, range(120)))
    assert answers == {"carol": 120}


# --- the demo, in-process --------------------------------------------------------------


def test_loading_the_demo_twice_creates_it_once(db):
    assert demo.load() > 0
    assert demo.load() == 0
    today = timezone.localdate()
    active = Cycle.objects.filter(status=Cycle.Status.ACTIVE, start__lte=today, end__gte=today)
    assert any((c.end - c.start).days < 100 for c in active), "an active quarter"
    assert Objective.objects.filter(owner_team__isnull=False).exists()
    assert Objective.objects.filter(owner_person__isnull=False).exists()
    assert Objective.objects.filter(visibility=Objective.Visibility.PRIVATE).exists()
    milestones = KeyResult.objects.filter(kind=KeyResult.Kind.MILESTONE, steps__isnull=False)
    assert milestones.exists()
    assert CheckIn.objects.exists()


@pytest.mark.parametrize(
    "now",
    [datetime(2025, 1, 1, 9, 0), datetime(2025, 4, 15, 9, 0)],
    ids=["on-the-first-day-of-the-year", "a-whole-number-of-weeks-into-a-quarter"],
)
def test_a_check_in_right_after_loading_the_demo_becomes_the_current_value(db, monkeypatch, now):
    now = timezone.make_aware(now)
    monkeypatch.setattr(timezone, "now", lambda: now)
    demo.load()
    assert CheckIn.objects.exists(), "the demo shows progress from its first day"
    assert not CheckIn.objects.filter(created_at__gt=now).exists(), "no check-in from the future"
    key_result = KeyResult.objects.filter(
        kind=KeyResult.Kind.METRIC, objective__cycle__status=Cycle.Status.ACTIVE
    ).first()
    mei = get_user_model().objects.get(username=demo.ADMIN)
    okrs.check_in(mei, key_result, value=12345, confidence=5)
    key_result.refresh_from_db()
    assert key_result.current == 12345
