"""Two `stretch serve` processes behind one PostgreSQL database and one Redis (REDIS_URL):
a session made on one is valid on the other, and a tree one has cached is invalidated after
a check-in on the other.

Needs PostgreSQL (a database made and dropped here: postgres://postgres@127.0.0.1:5432/,
trust auth; STRETCH_TEST_POSTGRES_URL points elsewhere) and Redis (redis://127.0.0.1:6379/15,
flushed first; STRETCH_TEST_REDIS_URL points elsewhere). Skipped when either is unreachable,
except in CI (CI=true), where it fails.
"""

import os
import re
import subprocess
import uuid
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from django.db import connection

from tests.test_cli import STRETCH, env_for, serving

# The suite's database is not used, but pytest-django sets up `connection` only for tests
# marked for it; `postgres`: this test makes its own PostgreSQL database.
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

HOW = (
    "start PostgreSQL trusting postgres@127.0.0.1:5432 (or set STRETCH_TEST_POSTGRES_URL) and "
    "Redis at 127.0.0.1:6379 (or set STRETCH_TEST_REDIS_URL)"
)


def unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI needs it")
    pytest.skip(f"{reason}: {HOW}")


@pytest.fixture
def redis_url():
    import redis

    url = os.environ.get("STRETCH_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3)
        client.flushdb()
    except redis.RedisError as error:
        unavailable(f"Redis is not reachable at {url} ({str(error).strip()[:80]})")
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def postgres_url():
    import psycopg

    base = os.environ.get("STRETCH_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/")
    parts = urlsplit(base)
    admin = urlunsplit(parts._replace(path="/postgres"))
    name = f"stretch_scale_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as error:
        unavailable(f"PostgreSQL is not reachable at {admin} ({str(error).strip()[:80]})")
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(folder: Path, database_url: str, *args: str) -> str:
    result = subprocess.run(
        [*STRETCH, *args],
        env=env_for(folder, database_url),
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def sign_in(base: str, username: str, password: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=20)
    form = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token, form.text[:500]
    done = client.post(
        "/login/",
        data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": password},
    )
    assert done.status_code == 302, done.text[:500]
    assert "sessionid" in client.cookies
    return client


def progress_of(tree: dict, objective_id: int) -> float:
    def walk(nodes):
        for node in nodes:
            if node["id"] == objective_id:
                return node["progress"]
            found = walk(node["children"])
            if found is not None:
                return found
        return None

    for pillar in tree["pillars"]:
        found = walk(pillar["objectives"])
        if found is not None:
            return found
    raise AssertionError(f"objective {objective_id} is not in the tree")


def test_two_servers_share_sessions_and_the_cached_tree(
    tmp_path, postgres_url, redis_url, monkeypatch
):
    if connection.vendor != "sqlite":
        pytest.skip("runs in the SQLite run of the suite (it makes its own PostgreSQL database)")
    monkeypatch.setenv("REDIS_URL", redis_url)  # passed on to both servers by env_for
    run(tmp_path, postgres_url, "migrate")
    run(tmp_path, postgres_url, "createuser", "ada", "--admin", "--password", "pw-ada-12345")
    token = run(tmp_path, postgres_url, "token", "ada").strip().splitlines()[-1]

    with ExitStack() as stack:
        a, _log_a = stack.enter_context(
            serving(tmp_path, "--workers", "1", database_url=postgres_url)
        )
        b, _log_b = stack.enter_context(
            serving(tmp_path, "--workers", "1", database_url=postgres_url)
        )
        assert a != b

        # Signed in on A, the same cookie is signed in on B.
        on_a = sign_in(a, "ada", "pw-ada-12345")
        stack.callback(on_a.close)
        on_b = stack.enter_context(httpx.Client(base_url=b, timeout=20))
        on_b.cookies.set("sessionid", on_a.cookies["sessionid"])
        assert on_b.get("/api/v1/me").status_code == 200
        page = on_b.get("/")
        assert page.status_code == 200 and "/login/" not in str(page.url)
        assert httpx.get(f"{b}/api/v1/me", timeout=20).status_code == 401  # without it: not

        api_a = stack.enter_context(
            httpx.Client(
                base_url=f"{a}/api/v1", timeout=20, headers={"Authorization": f"Bearer {token}"}
            )
        )
        today = date.today()
        cycle = api_a.post(
            "/cycles",
            json={
                "name": "Now",
                "start": str(today - timedelta(days=30)),
                "end": str(today + timedelta(days=60)),
                "status": "active",
            },
        )
        assert cycle.status_code == 201, cycle.text
        cycle_id = cycle.json()["id"]
        objective = api_a.post("/objectives", json={"title": "Ship it", "cycle": cycle_id})
        assert objective.status_code == 201, objective.text
        objective_id = objective.json()["id"]
        kr = api_a.post(
            f"/objectives/{objective_id}/key-results", json={"title": "Done", "target": 10}
        )
        assert kr.status_code == 201, kr.text

        # B caches the tree; A's check-in makes B answer the new value.
        url = f"/api/v1/cycles/{cycle_id}/alignment"
        assert progress_of(on_b.get(url).json(), objective_id) == 0.0
        assert progress_of(on_b.get(url).json(), objective_id) == 0.0
        checked = api_a.post(f"/key-results/{kr.json()['id']}/check-ins", json={"value": 6})
        assert checked.status_code == 201, checked.text
        assert progress_of(on_b.get(url).json(), objective_id) == pytest.approx(0.6)
        assert progress_of(on_a.get(url).json(), objective_id) == pytest.approx(0.6)
