"""`stretch export` / `stretch import` in-process, on the suite's own database (SQLite or
PostgreSQL): the round trip of a company with a row in every table, and every refusal.

The database is emptied the way a fresh one is (every table but content types and
permissions, with its id sequences restarted), so an import here meets what it meets right
after `stretch migrate`. The subprocess round trip SQLite → PostgreSQL → SQLite is in
test_workspace_cli.py.
"""

import io
import json
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection
from django.test import Client
from django.utils import timezone

from stretch import demo
from stretch.cfr.models import (
    CfrNoticeLog,
    Feedback,
    FeedbackRequest,
    Meeting,
    PrivateNote,
)
from stretch.cli import main
from stretch.okrs.models import Objective
from stretch.org import services as org
from stretch.org.models import SignInIdentity, Team
from stretch.social.models import (
    Activity,
    DigestLog,
    Notification,
    NotificationEmailLog,
    NotificationPreference,
    ReminderLog,
)
from stretch.transfer import workspace
from stretch.transfer.workspace import exported_models, label, read_workspace, write_workspace
from stretch.webhooks.models import Attempt, Delivery, Webhook

User = get_user_model()


def fill_every_table() -> dict[str, str]:
    """The demo company, plus a row in each table the demo leaves empty; answers secrets
    (a raw API token) the round trip must keep working."""
    demo.load()
    alice = User.objects.get(username="alice")
    bob = User.objects.get(username="bob")
    group = Group.objects.create(name="Coaches")
    group.permissions.add(Permission.objects.get(codename="change_objective"))
    alice.groups.add(group)
    bob.user_permissions.add(Permission.objects.get(codename="view_kpi"))
    token = org.issue_token(alice, name="nightly script")
    SignInIdentity.objects.create(user=alice, issuer="https://id.example", subject="a-1")
    objective = Objective.objects.order_by("pk").first()
    assert objective is not None
    LogEntry.objects.create(
        user=alice,
        content_type=ContentType.objects.get_for_model(Objective),
        object_id=str(objective.pk),
        object_repr=objective.title,
        action_flag=CHANGE,
        change_message="[]",
    )
    now = timezone.now().replace(microsecond=123456)
    webhook = Webhook.objects.create(
        team=Team.objects.get(parent=None), name="Chat 💬", url="https://chat.example/h"
    )
    delivery = Delivery.objects.create(
        webhook=webhook,
        activity=Activity.objects.order_by("pk").first(),
        event="check_in",
        payload={"text": "0.30000000000000004 → ✓", "value": 0.1 + 0.2, "b": [1, {"a": None}]},
        created_at=now,
    )
    Attempt.objects.create(delivery=delivery, at=now, status_code=500, error="boom")
    request = FeedbackRequest.objects.create(requester=alice, asked=bob, about="the launch")
    Feedback.objects.create(giver=bob, receiver=alice, body="Clear plan", request=request)
    PrivateNote.objects.create(meeting=Meeting.objects.first(), author=alice, text="mine\r\n")
    CfrNoticeLog.objects.create(person=alice, key="meeting-1")
    NotificationPreference.objects.create(user=alice, email_activity="daily")
    today = timezone.localdate()
    ReminderLog.objects.create(person=alice, day=today, kind=Notification.Kind.REMINDER_DUE)
    DigestLog.objects.create(person=alice, week_start=today - timedelta(days=today.weekday()))
    NotificationEmailLog.objects.create(person=alice, day=today, count=2)
    return {"token": token}


def export_bytes() -> bytes:
    out = io.BytesIO()
    write_workspace(out)
    return out.getvalue()


def without_time(data: bytes) -> tuple[dict, bytes]:
    header, _, body = data.partition(b"\n")
    fields = json.loads(header)
    fields.pop("exported_at")
    return fields, body


def empty_the_database() -> None:
    """What a fresh database holds: only migrate's content types and permissions."""
    tables = set(connection.introspection.django_table_names(only_existing=True))
    tables -= {ContentType._meta.db_table, Permission._meta.db_table}
    statements = connection.ops.sql_flush(no_style(), sorted(tables), reset_sequences=True)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # TRUNCATE waits for no deferred FK check
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for sql in statements:
            cursor.execute(sql)
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def import_bytes(data: bytes) -> dict[str, int]:
    return read_workspace(io.BytesIO(data))


def row_total() -> int:
    return sum(m._base_manager.count() for m in exported_models())


@pytest.fixture
def rich(db):
    return fill_every_table()


@pytest.fixture
def small_export(company) -> bytes:
    """The conftest company, exported; the database emptied afterwards."""
    data = export_bytes()
    empty_the_database()
    return data


# --- the round trip ----------------------------------------------------------------------


def test_what_is_left_out_is_the_documented_list(db):
    assert set(workspace.LEFT_OUT) == {
        "contenttypes.contenttype",
        "auth.permission",
        "sessions.session",
        "django_tasks_database.dbtaskresult",
        "transfer.importjob",
    }
    assert not set(workspace.LEFT_OUT) & {label(m) for m in exported_models()}


def test_a_company_with_a_row_in_every_table_makes_the_round_trip(rich):
    """Export, empty the database, import, export: the same bytes, and the company works."""
    changed = Counter(Objective.history.values_list("id", flat=True)).most_common(1)[0][0]
    history = list(
        Objective.history.filter(id=changed).values_list("history_id", "history_type", "title")
    )
    top_team = Team.objects.order_by("-pk").first().pk
    top_user = User.objects.order_by("-pk").first().pk
    first = export_bytes()
    header, body = without_time(first)
    empty = sorted(name for name, count in header["counts"].items() if not count)
    assert empty == [], "the fixture fills every exported table"
    empty_the_database()
    assert row_total() == 0
    loaded = import_bytes(first)
    second = export_bytes()
    assert without_time(second) == without_time(first)
    assert loaded == header["counts"]
    assert body.count(b"\n") == sum(header["counts"].values())
    # The history is the file's: the import wrote none of its own, nor notifications.
    after = Objective.history.filter(id=changed)
    assert list(after.values_list("history_id", "history_type", "title")) == history
    # People keep their passwords, their groups' permissions (by natural key), their tokens.
    alice = authenticate(username="alice", password=demo.PASSWORD)
    assert alice is not None, "the password hash moved"
    assert alice.has_perm("okrs.change_objective"), "through her group"
    assert User.objects.get(username="bob").has_perm("kpis.view_kpi")
    me = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {rich['token']}"})
    assert me.status_code == 200 and me.json()["username"] == "alice"
    entry = LogEntry.objects.get()
    assert entry.content_type.model_class() is Objective
    assert entry.get_edited_object().title == entry.object_repr
    # New rows get ids after the imported ones (sequences were reset).
    team = Team.objects.create(name="New team", parent=Team.objects.get(parent=None))
    assert team.pk == top_team + 1
    assert org.create_person("newcomer").pk == top_user + 1


def test_the_file_is_sorted_by_model_order_then_pk(company):
    lines = export_bytes().splitlines()[1:]
    order = [label(m) for m in exported_models()]
    keys = [(order.index(json.loads(line)["model"]), json.loads(line)["pk"]) for line in lines]
    assert keys == sorted(keys)
    assert order.index("auth.user") < order.index("okrs.objective") < order.index("okrs.checkin")
    first = json.loads(lines[0])
    assert list(first) == ["model", "pk", "fields"]
    assert list(first["fields"]) == sorted(first["fields"])


def test_export_to_standard_output_and_import_from_standard_input(small_export, monkeypatch):
    import_bytes(small_export)
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["export", "-"]) == 0
    out.flush()
    written = out.buffer.getvalue()
    assert without_time(written) == without_time(small_export)
    assert "Exported" in err.getvalue() and "6 people" in err.getvalue()
    empty_the_database()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(written)))
    said = io.StringIO()
    monkeypatch.setattr(sys, "stdout", said)
    assert main(["import", "-"]) == 0
    assert "Imported" in said.getvalue() and "6 people" in said.getvalue()
    assert User.objects.count() == 6


def test_export_never_overwrites_a_file(company, tmp_path, capsys):
    target = tmp_path / "company.jsonl"
    target.write_text("keep me")
    assert main(["export", str(target)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "already exists" in error
    assert target.read_text() == "keep me"
    assert [p.name for p in tmp_path.iterdir()] == ["company.jsonl"]


# --- refusals: one line naming the problem, nothing written --------------------------------


def refused(data: bytes, tmp_path: Path, capsys) -> str:
    path = tmp_path / "company.jsonl"
    path.write_bytes(data)
    assert main(["import", str(path)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1, error
    assert error.startswith("stretch import: error: ")
    assert row_total() == 0, "nothing was written"
    return error


def test_an_import_into_a_database_with_people_is_refused(company, tmp_path, capsys):
    data = export_bytes()
    before = row_total()
    path = tmp_path / "company.jsonl"
    path.write_bytes(data)
    assert main(["import", str(path)]) == 1
    error = capsys.readouterr().err
    assert "not empty" in error and "auth.user" in error and error.count("\n") == 1
    assert row_total() == before


def test_a_malformed_line_is_named_and_nothing_is_written(small_export, tmp_path, capsys):
    lines = small_export.splitlines(keepends=True)
    lines[9] = lines[9][:-20] + b"\n"
    error = refused(b"".join(lines), tmp_path, capsys)
    assert "line 10: not a JSON object" in error


def test_a_late_bad_value_rolls_back_what_came_before(small_export, tmp_path, capsys):
    lines = small_export.splitlines(keepends=True)
    last = json.loads(lines[-1])
    field = next(name for name, value in last["fields"].items() if isinstance(value, str))
    last["fields"].pop(field)
    lines[-1] = json.dumps(last).encode() + b"\n"
    error = refused(b"".join(lines), tmp_path, capsys)
    assert f"line {len(lines)}: " in error and f"lacks the field {field!r}" in error


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda h: h.update(version=2), ["line 1", "format version 2", "version 1"]),
        (lambda h: h.update(format="other"), ["line 1", "not a Stretch workspace export"]),
        (lambda h: h["migrations"]["okrs"].append("0099_future"), ["line 1", "okrs", "0099"]),
    ],
)
def test_a_header_of_another_version_is_refused(small_export, tmp_path, capsys, change, words):
    header, _, body = small_export.partition(b"\n")
    fields = json.loads(header)
    change(fields)
    error = refused(json.dumps(fields).encode() + b"\n" + body, tmp_path, capsys)
    for word in words:
        assert word in error


def test_a_cut_off_file_is_refused(small_export, tmp_path, capsys):
    lines = small_export.splitlines(keepends=True)
    error = refused(b"".join(lines[:-3]), tmp_path, capsys)
    assert "ends early" in error


def test_rows_of_what_is_never_moved_are_refused(small_export, tmp_path, capsys):
    lines = small_export.splitlines(keepends=True)
    session = {"model": "sessions.session", "pk": "abc", "fields": {}}
    lines.insert(3, json.dumps(session).encode() + b"\n")
    error = refused(b"".join(lines), tmp_path, capsys)
    assert "line 4: cannot load 'sessions.session'" in error and "signs in again" in error


def test_a_missing_file_is_named(db, tmp_path, capsys):
    assert main(["import", str(tmp_path / "nope.jsonl")]) == 1
    error = capsys.readouterr().err
    assert "cannot read" in error and "nope.jsonl" in error and error.count("\n") == 1
