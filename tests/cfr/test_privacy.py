"""Private notes and private feedback never reach anyone they are not for, on any surface.

One scene: a weekly 1:1 of bob (the manager) and alice, where each writes a private note;
erin (in Sales, managed by dave) answers alice's feedback request privately and gives her
feedback her managers may read, both about alice's objective. Each secret is two words of
its own: searches ask for the first, and every surface is checked for the second (so the
search box echoing the query is not a leak).

Who may read what (everyone else is a wrong reader):
- alice's private note: alice; bob's: bob (not the other participant, not an administrator);
- the private feedback: alice (receiver) and erin (giver);
- the manager feedback: those two and alice's managers up the line (bob, carol, ceo); not
  frank (alice's peer), dave (the giver's manager), nor the administrators.

Each surface test also asserts that the right reader does see the secret where the surface
shows it, so a surface that hides everything (or answers an error page) cannot pass it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core import mail
from django_tasks_db.models import DBTaskResult

from stretch.cfr import feedback, services
from stretch.cfr.models import (
    ActionItem,
    AgendaItem,
    CfrNoticeLog,
    Feedback,
    FeedbackRequest,
    Meeting,
    PrivateNote,
)
from stretch.okrs import services as okrs
from stretch.org import services as org
from stretch.org.models import Membership
from stretch.reviews.analytics_views import SECTIONS as EXPORT_SECTIONS
from stretch.social import fanout
from stretch.social.digest import send_digests
from stretch.social.models import Notification
from stretch.social.tasks import rhythm_pass
from tests.conftest import Api
from tests.helpers import client_for


@dataclass(frozen=True)
class Secret:
    word: str  # what a search asks for
    tail: str  # what must never show to a wrong reader

    @property
    def text(self) -> str:
        return f"{self.word} {self.tail}"


SECRETS = {
    "alices_note": Secret("zebrawood", "quillwort"),
    "bobs_note": Secret("ironbark", "mandolin"),
    "private_feedback": Secret("bluebonnet", "axolotl"),
    "manager_feedback": Secret("marigold", "pangolin"),
}
READERS = ["alice", "bob", "carol", "ceo", "dave", "erin", "frank", "admin", "staff"]
ALLOWED = {
    "alices_note": {"alice"},
    "bobs_note": {"bob"},
    "private_feedback": {"alice", "erin"},
    "manager_feedback": {"alice", "erin", "bob", "carol", "ceo"},
}
WRONG = {key: set(READERS) - allowed for key, allowed in ALLOWED.items()}


class Scene:
    """The personas of `company` plus erin, frank and staff, and the secrets among them."""

    people: dict
    conversation: object
    meeting: Meeting
    objective: object
    private: Feedback
    manager: Feedback


@pytest.fixture
def scene(company, objective, kr, one_on_one):
    s = Scene()
    erin = org.create_person("erin", display_name="Erin", manager=company.dave)
    frank = org.create_person("frank", display_name="Frank", manager=company.bob)
    staff = org.create_person("staff", display_name="Stan Staff")
    staff.is_staff = True  # an administrator in Stretch, not a superuser in Django's admin
    staff.save(update_fields=["is_staff"])
    staff.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["cfr", "auth"])
    )
    org.set_membership(company.sales, erin, Membership.Role.MEMBER)
    org.set_membership(company.platform, frank, Membership.Role.MEMBER)
    s.people = {name: getattr(company, name) for name in ("alice", "bob", "carol", "ceo")}
    s.people |= {"dave": company.dave, "erin": erin, "frank": frank}
    s.people |= {"admin": company.admin, "staff": staff}
    for name, person in s.people.items():
        person.email = f"{name}@example.com"
        person.save(update_fields=["email"])
    alice, bob = company.alice, company.bob
    s.conversation, s.objective = one_on_one, objective
    s.meeting = services.next_meeting(one_on_one)
    services.set_private_note(alice, s.meeting, SECRETS["alices_note"].text)
    services.set_private_note(bob, s.meeting, SECRETS["bobs_note"].text)
    services.add_agenda_item(alice, one_on_one, text="The migration", key_result=kr.pk)
    services.add_action_item(
        alice, one_on_one, text="Write the runbook", owner=alice.pk, due=date(2026, 10, 2)
    )
    (asked,) = feedback.request_feedback(
        alice, people=[erin.pk], about="My demo", objective=objective.pk
    )
    s.private = feedback.answer_request(
        erin, asked, body=SECRETS["private_feedback"].text, visibility="private"
    )
    s.manager = feedback.give_feedback(
        erin,
        receiver=alice.pk,
        body=SECRETS["manager_feedback"].text,
        visibility="manager",
        objective=objective.pk,
    )
    return s


def check(content: str, shows: dict[str, set[str]], reader: str, where: str) -> None:
    """No secret for which `reader` is a wrong reader is in `content`; those `shows` promises
    the reader are."""
    for key, secret in SECRETS.items():
        if reader in WRONG[key]:
            assert secret.tail not in content, f"{key} leaks to {reader} on {where}"
        if reader in shows.get(key, set()):
            assert secret.tail in content, f"{reader} misses {key} on {where}"


@dataclass(frozen=True)
class Surface:
    """A page or endpoint: its address (by scene and secret, for searches), which secrets it
    shows to whom, and who may open it at all (None: everyone; others get 404)."""

    path: Callable[[Scene, Secret], str]
    shows: dict[str, set[str]] = field(default_factory=dict)
    open_to: set[str] | None = None


def _read(surface: Surface, scene: Scene, get: Callable) -> None:
    for reader in READERS:
        seen: set[str] = set()
        for secret in SECRETS.values():
            path = surface.path(scene, secret)
            if path in seen:
                continue
            seen.add(path)
            answer = get(scene.people[reader], path)
            allowed = surface.open_to is None or reader in surface.open_to
            assert answer.status_code == (200 if allowed else 404), (reader, path)
            check(answer.content.decode(), surface.shows, reader, path)


# Pages -------------------------------------------------------------------------------------

BOTH_FEEDBACK = {"private_feedback": {"alice", "erin"}, "manager_feedback": {"alice", "erin"}}

PAGES = {
    "one_on_one": Surface(
        lambda s, _: f"/one-on-ones/{s.conversation.pk}/",
        {"alices_note": {"alice"}, "bobs_note": {"bob"}},
        open_to={"alice", "bob"},
    ),
    "one_on_ones_list": Surface(lambda s, _: "/one-on-ones/"),
    "feedback_page": Surface(lambda s, _: "/feedback/", BOTH_FEEDBACK),
    "receiver_person_page": Surface(lambda s, _: f"/people/{s.people['alice'].pk}/"),
    "linked_objective_page": Surface(lambda s, _: f"/objectives/{s.objective.pk}/"),
    "my_okrs_home": Surface(lambda s, _: "/"),
    "explore_search": Surface(lambda s, secret: f"/explore/?q={secret.word}"),
    "people_search": Surface(lambda s, secret: f"/people/?q={secret.word}"),
    "activity_feed": Surface(lambda s, _: "/feed/"),
    "receiver_feed": Surface(lambda s, _: f"/feed/?person={s.people['alice'].pk}"),
    "inbox": Surface(lambda s, _: "/notifications/"),
    "analytics_page": Surface(lambda s, _: "/analytics/"),
}


@pytest.mark.parametrize("surface", PAGES.values(), ids=PAGES.keys())
def test_pages_show_a_secret_only_to_whom_it_is_for(scene, surface):
    _read(surface, scene, lambda user, path: client_for(user).get(path))


@pytest.mark.parametrize("section", EXPORT_SECTIONS)
def test_analytics_exports_carry_no_secret(scene, section):
    surface = Surface(lambda s, _: f"/analytics/export.csv?section={section}")
    _read(surface, scene, lambda user, path: client_for(user).get(path))


# API ---------------------------------------------------------------------------------------


def _api_get(user, path):
    return Api(user).get(path)


API = {
    "conversations": Surface(lambda s, _: "/conversations"),
    "conversation": Surface(
        lambda s, _: f"/conversations/{s.conversation.pk}", open_to={"alice", "bob"}
    ),
    "agenda": Surface(
        lambda s, _: f"/conversations/{s.conversation.pk}/agenda", open_to={"alice", "bob"}
    ),
    "private_note": Surface(
        lambda s, _: f"/conversations/{s.conversation.pk}/meetings/{s.meeting.pk}/private-note",
        {"alices_note": {"alice"}, "bobs_note": {"bob"}},
        open_to={"alice", "bob"},
    ),
    "action_items": Surface(lambda s, _: "/action-items"),
    "feedback_received": Surface(
        lambda s, _: "/feedback?box=received",
        {"private_feedback": {"alice"}, "manager_feedback": {"alice"}},
    ),
    "feedback_given": Surface(
        lambda s, _: "/feedback?box=given",
        {"private_feedback": {"erin"}, "manager_feedback": {"erin"}},
    ),
    "feedback_visible": Surface(
        lambda s, _: "/feedback?box=visible",
        {key: ALLOWED[key] for key in ("private_feedback", "manager_feedback")},
    ),
    "private_feedback_detail": Surface(
        lambda s, _: f"/feedback/{s.private.pk}",
        {"private_feedback": ALLOWED["private_feedback"]},
        open_to=ALLOWED["private_feedback"],
    ),
    "manager_feedback_detail": Surface(
        lambda s, _: f"/feedback/{s.manager.pk}",
        {"manager_feedback": ALLOWED["manager_feedback"]},
        open_to=ALLOWED["manager_feedback"],
    ),
    "feedback_requests_incoming": Surface(lambda s, _: "/feedback-requests?box=incoming"),
    "feedback_requests_outgoing": Surface(lambda s, _: "/feedback-requests?box=outgoing"),
    "feed": Surface(lambda s, _: "/feed"),
    "notifications": Surface(lambda s, _: "/notifications"),
    "linked_objective": Surface(lambda s, _: f"/objectives/{s.objective.pk}"),
    "objective_search": Surface(lambda s, secret: f"/objectives?q={secret.word}"),
    "people_search": Surface(lambda s, secret: f"/people?q={secret.word}"),
    "mention_search": Surface(lambda s, secret: f"/people/mentions?q={secret.word}"),
}


@pytest.mark.parametrize("surface", API.values(), ids=API.keys())
def test_the_api_shows_a_secret_only_to_whom_it_is_for(scene, surface):
    _read(surface, scene, _api_get)


def test_the_openapi_schema_offers_no_search_of_cfr_words(scene):
    """The only searches the API has are of objectives and people (tested above)."""
    paths = Api(scene.people["alice"]).get("/openapi.json").json_body["paths"]
    searched = sorted(
        path
        for path, operations in paths.items()
        for operation in operations.values()
        if any(p["name"] == "q" for p in operation.get("parameters", []))
    )
    assert searched == ["/api/v1/objectives", "/api/v1/people", "/api/v1/people/mentions"]


# Notifications, emails, digests ------------------------------------------------------------


def _run_every_notice(scene) -> None:
    """Everything that tells people things: the rhythm passes around the meeting (action item
    due, meeting reminder, digests, daily emails) and the queued notification emails."""
    for day in (date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 4)):
        rhythm_pass(day)
    for task in DBTaskResult.objects.filter(task_path=fanout.email_notifications.module_path):
        fanout.email_notifications.call(*task.args_kwargs["args"])


def test_notifications_never_carry_a_secret(scene):
    _run_every_notice(scene)
    assert CfrNoticeLog.objects.exists()  # the reminders did run
    by_name = {person.pk: name for name, person in scene.people.items()}
    for note in Notification.objects.all():
        check(f"{note.title}\n{note.body}", {}, by_name.get(note.recipient_id, ""), "inbox")
    alice = scene.people["alice"]
    heard = Notification.objects.filter(recipient=alice).values_list("title", flat=True)
    assert {"Erin gave you feedback", "Erin answered your feedback request"} <= set(heard)
    for secret in SECRETS.values():
        assert not Notification.objects.filter(body__contains=secret.tail).exists()


def test_emails_never_carry_a_secret(scene):
    _run_every_notice(scene)
    assert any(m.to == ["alice@example.com"] for m in mail.outbox)  # she heard by email
    for message in mail.outbox:
        content = "\n".join(
            [message.subject, message.body, *(str(part) for part, _ in message.alternatives)]
        )
        for address in message.to:
            check(content, {}, address.split("@")[0], f"the email {message.subject!r}")
        # Like the inbox, an email says who wrote, never the words (not even to the reader).
        assert not any(secret.tail in content for secret in SECRETS.values())


def test_weekly_digests_carry_no_secret(scene, q4):
    for name, person in scene.people.items():
        okrs.create_objective(person, cycle=q4, title=f"Own work of {name}", owner_person=person)
    mail.outbox.clear()
    assert send_digests(date(2026, 10, 1)) == len(READERS)
    for name, person in scene.people.items():
        digest = Notification.objects.get(recipient=person, kind=Notification.Kind.DIGEST)
        emails = [m for m in mail.outbox if m.to == [person.email]]
        assert emails, name
        check(digest.body, {}, name, "the digest")
        for message in emails:
            html = "".join(str(part) for part, _ in message.alternatives)
            check(message.body + html, {}, name, "the digest email")


# Django's admin ----------------------------------------------------------------------------

CONTENT_MODELS = [AgendaItem, PrivateNote, Meeting, ActionItem, Feedback, FeedbackRequest]


def test_the_admin_registers_no_cfr_content():
    registered = set(admin.site._registry)
    assert not registered & set(CONTENT_MODELS)


ADMIN_PAGES: dict[str, Callable[[Scene], str]] = {
    "index": lambda s: "/admin/",
    "cfr_app": lambda s: "/admin/cfr/",
    "conversations": lambda s: "/admin/cfr/conversation/",
    "conversation": lambda s: f"/admin/cfr/conversation/{s.conversation.pk}/change/",
    "conversation_history": lambda s: f"/admin/cfr/conversation/{s.conversation.pk}/history/",
    "conversation_delete": lambda s: f"/admin/cfr/conversation/{s.conversation.pk}/delete/",
    "receiver_delete": lambda s: f"/admin/auth/user/{s.people['alice'].pk}/delete/",
    "giver_delete": lambda s: f"/admin/auth/user/{s.people['erin'].pk}/delete/",
    "people": lambda s: "/admin/auth/user/",
}


@pytest.mark.parametrize("who", ["staff", "admin"])
@pytest.mark.parametrize("page", ADMIN_PAGES.values(), ids=ADMIN_PAGES.keys())
def test_admin_pages_show_no_secret(scene, who, page):
    answer = client_for(scene.people[who]).get(page(scene))
    assert answer.status_code == 200
    check(answer.content.decode(), {}, who, page(scene))


@pytest.mark.parametrize("who", ["staff", "admin"])
@pytest.mark.parametrize("model", CONTENT_MODELS, ids=lambda m: m._meta.model_name)
def test_admin_has_no_list_of_cfr_content(scene, who, model):
    client = client_for(scene.people[who])
    assert client.get(f"/admin/cfr/{model._meta.model_name}/").status_code == 404
    index = client.get("/admin/").content.decode().lower()
    assert str(model._meta.verbose_name_plural).lower() not in index


def test_the_admin_sees_that_a_conversation_exists_and_cannot_change_it(scene):
    client = client_for(scene.people["staff"])
    listing = client.get("/admin/cfr/conversation/").content.decode()
    assert "Bob and Alice" in listing
    change = client.post(
        f"/admin/cfr/conversation/{scene.conversation.pk}/change/", {"title": "Renamed"}
    )
    assert change.status_code == 403
    assert client.get("/admin/cfr/conversation/add/").status_code == 403


@pytest.mark.parametrize("who", ["staff", "admin"])
def test_deleting_a_conversation_in_the_admin_names_none_of_its_content(scene, who):
    client = client_for(scene.people[who])
    confirm = client.get(f"/admin/cfr/conversation/{scene.conversation.pk}/delete/")
    bulk = client.post(
        "/admin/cfr/conversation/",
        {"action": "delete_selected", "_selected_action": [scene.conversation.pk]},
    )
    for answer in (confirm, bulk):
        page = answer.content.decode()
        assert answer.status_code == 200 and "Bob and Alice" in page
        assert "Agenda items: 4" in page and "Private notes: 2" in page  # counted
        for words in ("The migration", "Write the runbook", "private note #"):
            assert words not in page


# The services' own gates, read directly ----------------------------------------------------


def test_a_private_note_is_read_by_its_author_alone(scene):
    for name, person in scene.people.items():
        note = services.private_note_of(person, scene.meeting)
        assert note == {"alice": SECRETS["alices_note"].text, "bob": SECRETS["bobs_note"].text}.get(
            name, ""
        )


def test_the_feedback_gate_gives_each_reader_what_is_for_them(scene):
    by_key = {"private_feedback": scene.private.pk, "manager_feedback": scene.manager.pk}
    for name, person in scene.people.items():
        readable = set(feedback.visible_feedback(person).values_list("pk", flat=True))
        expected = {pk for key, pk in by_key.items() if name in ALLOWED[key]}
        assert readable == expected, name
