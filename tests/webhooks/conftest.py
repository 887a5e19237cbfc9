"""Fixtures of the webhook tests: a clock standing on 1 October 2026 at 09:00 UTC, the quarter
Q4 2026 active, alice's public key result "Jobs migrated", and a real HTTP receiver on
127.0.0.1 that answers what the test tells it to."""

import json
import socket
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine

from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle
from stretch.webhooks import services as webhooks

START = datetime(2026, 10, 1, 9, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def q4(company, clock):
    Cycle.objects.filter(pk__in=[company.year.pk, company.quarter.pk]).update(
        status=Cycle.Status.CLOSED
    )
    return okrs.create_cycle(
        company.admin,
        name="Q4 2026",
        start=date(2026, 10, 1),
        end=date(2026, 12, 31),
        status=Cycle.Status.ACTIVE,
    )


@pytest.fixture
def objective(company, q4):
    return okrs.create_objective(
        company.alice, cycle=q4, title="Ship the scheduler", owner_person=company.alice
    )


@pytest.fixture
def kr(company, objective):
    return okrs.create_key_result(
        company.alice, objective, title="Jobs migrated", start=0, target=200
    )


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: answers each POST with the next of `answers`
    (200 once they run out) and keeps what it was sent."""

    url: str
    answers: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.answered < 300]


@pytest.fixture
def receiver():
    state: dict = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hook = state["receiver"]
            code = hook.answers.pop(0) if hook.answers else 200
            hook.received.append(Received(self.path, dict(self.headers), body, code))
            reply = b"ok" if code < 300 else b"receiver trouble"
            self.send_response(code)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):  # keep the test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state["receiver"] = Receiver(url=f"http://127.0.0.1:{server.server_port}/hooks/stretch")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state["receiver"]
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def closed_port_url():
    """An address on 127.0.0.1 where nothing listens (connection refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/hook"


def add_webhook(company, url, *, team=None, fmt="generic", events=("check_in",), **fields):
    return webhooks.create_webhook(
        company.admin,
        team or company.platform,
        name=fields.pop("name", "Platform chat"),
        url=url,
        format=fmt,
        events=list(events),
        **fields,
    )
