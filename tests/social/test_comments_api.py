"""/api/v1/comments: comment on objectives, key results and check-ins; reply, edit, delete,
react; and the @mention suggestions."""

from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stretch.okrs import services as okrs
from stretch.org import services as org
from stretch.social import comments, events
from stretch.social.models import Activity, Comment


@pytest.fixture
def okr(company):
    """Alice's public objective with a key result and one check-in."""
    objective = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )
    kr = okrs.create_key_result(company.alice, objective, title="Jobs migrated", target=200)
    entry = okrs.check_in(company.alice, kr, value=20, confidence=7)
    return objective, kr, entry


@pytest.fixture
def secret(company):
    """Alice's private objective: bob (her manager) sees it, dave does not."""
    return okrs.create_objective(
        company.alice,
        cycle=company.quarter,
        title="Secret plan",
        owner_person=company.alice,
        visibility="private",
    )


@pytest.fixture
def heard(monkeypatch):
    """What each recorded activity told the listeners: [(activity, context)]."""
    seen = []
    monkeypatch.setattr(events, "LISTENERS", [*events.LISTENERS, lambda a, c: seen.append((a, c))])
    return seen


def post(api, **body):
    return api.post("/comments", body)


def test_a_comment_on_an_objective_returns_its_body_and_safe_html(company, api_as, okr):
    objective, _kr, _entry = okr
    response = post(api_as(company.bob), objective=objective.pk, body="Nice **work** <script>")
    assert response.status_code == 201, response.json_body
    got = response.json_body
    assert got["objective"] == objective.pk and got["key_result"] is None
    assert got["check_in"] is None and got["parent"] is None
    assert got["author"] == {"id": company.bob.pk, "name": "Bob"}
    assert got["body"] == "Nice **work** <script>"
    assert got["html"] == "<p>Nice <strong>work</strong> &lt;script&gt;</p>\n"
    assert got["mentions"] == [] and got["reactions"] == []
    assert got["edited"] is False and got["deleted"] is False and got["edited_at"] is None
    activity = Activity.objects.get(verb="comment")
    assert activity.comment_id == got["id"] and activity.objective_id == objective.pk
    assert activity.actor == company.bob


def test_a_comment_on_a_key_result_or_check_in_belongs_to_its_objective(company, api_as, okr):
    objective, kr, entry = okr
    api = api_as(company.carol)
    on_kr = post(api, key_result=kr.pk, body="How?").json_body
    on_entry = post(api, check_in=entry.pk, body="Why only 20?").json_body
    assert (on_kr["objective"], on_kr["key_result"], on_kr["check_in"]) == (
        objective.pk,
        kr.pk,
        None,
    )
    assert (on_entry["objective"], on_entry["key_result"], on_entry["check_in"]) == (
        objective.pk,
        kr.pk,
        entry.pk,
    )


def test_the_list_shows_one_targets_own_comments_oldest_first(company, api_as, okr):
    objective, kr, entry = okr
    api = api_as(company.bob)
    first = post(api, objective=objective.pk, body="one").json_body["id"]
    second = post(api, objective=objective.pk, body="two").json_body["id"]
    post(api, key_result=kr.pk, body="on the key result")
    post(api, check_in=entry.pk, body="on the check-in")
    page = api.get(f"/comments?objective={objective.pk}").json_body
    assert page["count"] == 2 and [c["id"] for c in page["items"]] == [first, second]
    assert api.get(f"/comments?key_result={kr.pk}").json_body["count"] == 1
    assert api.get(f"/comments?check_in={entry.pk}").json_body["count"] == 1
    limited = api.get(f"/comments?objective={objective.pk}&limit=1&offset=1").json_body
    assert [c["id"] for c in limited["items"]] == [second] and limited["count"] == 2


@pytest.mark.parametrize(
    ("query", "field"), [("", "objective"), ("?objective=1&check_in=2", "check_in")]
)
def test_the_list_needs_exactly_one_filter(company, api_as, query, field):
    response = api_as(company.bob).get(f"/comments{query}")
    assert response.status_code == 400 and response.json_body["field"] == field


def test_a_reply_to_a_reply_joins_the_thread(company, api_as, okr):
    objective, _kr, _entry = okr
    api = api_as(company.bob)
    root = post(api, objective=objective.pk, body="root").json_body["id"]
    reply = post(api, objective=objective.pk, body="reply", parent=root).json_body
    deeper = post(api, objective=objective.pk, body="deeper", parent=reply["id"]).json_body
    assert reply["parent"] == root and deeper["parent"] == root


def test_a_reply_must_be_on_the_same_thing(company, api_as, okr):
    objective, kr, _entry = okr
    api = api_as(company.bob)
    root = post(api, objective=objective.pk, body="root").json_body["id"]
    response = post(api, key_result=kr.pk, body="elsewhere", parent=root)
    assert response.status_code == 400 and response.json_body["field"] == "parent"
    response = post(api, objective=objective.pk, body="x", parent=999999)
    assert response.status_code == 400 and response.json_body["field"] == "parent"


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"body": "no target"}, "objective", "Say what the comment is on"),
        ({"objective": "OBJ", "key_result": "KR", "body": "two"}, "key_result", "one thing"),
        ({"objective": "OBJ", "body": ""}, "body", "Write something"),
        ({"objective": "OBJ", "body": "   \n "}, "body", "Write something"),
        ({"objective": "OBJ", "body": "x" * 10_001}, "body", "10000"),
        ({"objective": "OBJ", "body": "hi @nobody"}, "body", "No person called @nobody."),
        ({"objective": 999999, "body": "hi"}, "objective", "No objective with id 999999"),
        ({"key_result": 999999, "body": "hi"}, "key_result", "999999"),
        ({"check_in": 999999, "body": "hi"}, "check_in", "999999"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(company, api_as, okr, body, field, words):
    objective, kr, _entry = okr
    ids = {"OBJ": objective.pk, "KR": kr.pk}
    payload = {key: ids.get(value, value) for key, value in body.items()}
    response = post(api_as(company.bob), **payload)
    assert response.status_code == 400, response.json_body
    assert response.json_body["field"] == field
    assert words in response.json_body["detail"]
    assert not Comment.objects.exists()


def test_a_mention_links_to_the_person_and_is_handed_to_the_notifications(
    company, api_as, okr, heard
):
    objective, _kr, _entry = okr
    got = post(api_as(company.alice), objective=objective.pk, body="@bob please look").json_body
    assert got["mentions"] == [{"id": company.bob.pk, "name": "Bob"}]
    assert f'href="/people/{company.bob.pk}/" class="mention"' in got["html"]
    activity, context = heard[-1]
    assert activity.verb == "comment" and context["mentions"] == [company.bob]


def test_editing_marks_it_edited_and_tells_only_the_newly_mentioned(company, api_as, okr, heard):
    objective, _kr, _entry = okr
    api = api_as(company.alice)
    created = post(api, objective=objective.pk, body="@bob look").json_body
    response = api.patch(f"/comments/{created['id']}", {"body": "@bob and @carol _look_"})
    assert response.status_code == 200
    got = response.json_body
    assert got["edited"] is True and got["edited_at"] is not None
    assert got["html"].count('class="mention"') == 2 and "<em>look</em>" in got["html"]
    assert {m["id"] for m in got["mentions"]} == {company.bob.pk, company.carol.pk}
    _activity, context = heard[-1]
    assert context["mentions"] == [company.carol] and context["edited"] is True


def test_only_the_author_may_edit(company, api_as, okr):
    objective, _kr, _entry = okr
    created = post(api_as(company.alice), objective=objective.pk, body="mine").json_body
    for person in (company.bob, company.admin):
        response = api_as(person).patch(f"/comments/{created['id']}", {"body": "theirs"})
        assert response.status_code == 403
    assert Comment.objects.get().body == "mine"


def test_an_edit_to_nothing_is_refused(company, api_as, okr):
    objective, _kr, _entry = okr
    api = api_as(company.alice)
    created = post(api, objective=objective.pk, body="mine").json_body
    response = api.patch(f"/comments/{created['id']}", {"body": " "})
    assert response.status_code == 400 and response.json_body["field"] == "body"


def test_only_the_author_or_an_administrator_may_delete(company, api_as, okr):
    objective, _kr, _entry = okr
    api = api_as(company.alice)
    mine = post(api, objective=objective.pk, body="mine").json_body["id"]
    other = post(api, objective=objective.pk, body="other").json_body["id"]
    assert api_as(company.bob).delete(f"/comments/{mine}").status_code == 403
    assert api.delete(f"/comments/{mine}").status_code == 204
    assert api_as(company.admin).delete(f"/comments/{other}").status_code == 204
    assert api.get(f"/comments/{mine}").status_code == 404
    assert not Comment.objects.exists()


def test_a_deleted_comment_with_replies_stays_as_deleted(company, api_as, okr):
    objective, _kr, _entry = okr
    alice, bob = api_as(company.alice), api_as(company.bob)
    root = post(alice, objective=objective.pk, body="root @bob").json_body["id"]
    reply = post(bob, objective=objective.pk, body="reply", parent=root).json_body["id"]
    alice.post(f"/comments/{root}/reactions", {"emoji": "👍"})
    assert alice.delete(f"/comments/{root}").status_code == 204
    got = bob.get(f"/comments/{root}").json_body
    assert got["deleted"] is True and got["body"] == "" and got["html"] == ""
    assert got["author"] is None and got["mentions"] == [] and got["reactions"] == []
    assert bob.get(f"/comments?objective={objective.pk}").json_body["count"] == 2
    assert alice.patch(f"/comments/{root}", {"body": "back"}).status_code == 400
    # The last reply gone, the empty thread goes with it.
    assert bob.delete(f"/comments/{reply}").status_code == 204
    assert not Comment.objects.exists()


def test_reactions_count_once_per_person_and_come_back(company, api_as, okr):
    objective, _kr, _entry = okr
    alice, bob = api_as(company.alice), api_as(company.bob)
    comment = post(alice, objective=objective.pk, body="react").json_body["id"]
    assert alice.post(f"/comments/{comment}/reactions", {"emoji": "👍"}).status_code == 200
    alice.post(f"/comments/{comment}/reactions", {"emoji": "👍"})
    got = bob.post(f"/comments/{comment}/reactions", {"emoji": "❤"}).json_body  # no VS16
    assert got["reactions"] == [
        {"emoji": "👍", "count": 1, "mine": False},
        {"emoji": "❤️", "count": 1, "mine": True},
    ]
    for _twice in range(2):
        response = alice.delete(f"/comments/{comment}/reactions/{quote('👍')}")
        assert response.status_code == 200
    assert response.json_body["reactions"] == [{"emoji": "❤️", "count": 1, "mine": False}]


def test_a_reaction_outside_the_set_is_refused(company, api_as, okr):
    objective, _kr, _entry = okr
    alice = api_as(company.alice)
    comment = post(alice, objective=objective.pk, body="react").json_body["id"]
    response = alice.post(f"/comments/{comment}/reactions", {"emoji": "💩"})
    assert response.status_code == 400 and response.json_body["field"] == "emoji"
    response = alice.delete(f"/comments/{comment}/reactions/{quote('<b>')}")
    assert response.status_code == 400 and response.json_body["field"] == "emoji"


def test_a_private_objectives_comments_are_hidden_from_an_outsider(
    company, api_as, secret, django_assert_max_num_queries
):
    created = post(api_as(company.alice), objective=secret.pk, body="just us").json_body
    dave, bob = api_as(company.dave), api_as(company.bob)
    assert bob.get(f"/comments/{created['id']}").status_code == 200  # her manager
    assert dave.get(f"/comments?objective={secret.pk}").json_body["count"] == 0
    assert dave.get(f"/comments/{created['id']}").status_code == 404
    assert dave.patch(f"/comments/{created['id']}", {"body": "x"}).status_code == 404
    assert dave.delete(f"/comments/{created['id']}").status_code == 404
    response = dave.post(f"/comments/{created['id']}/reactions", {"emoji": "👍"})
    assert response.status_code == 404
    refused = post(dave, objective=secret.pk, body="let me in")
    assert refused.status_code == 400 and refused.json_body["field"] == "objective"
    assert f"No objective with id {secret.pk}" in refused.json_body["detail"]
    kr = okrs.create_key_result(company.alice, secret, title="Hidden", target=1)
    assert post(dave, key_result=kr.pk, body="x").json_body["field"] == "key_result"
    entry = okrs.check_in(company.alice, kr, value=1, confidence=5)
    assert post(dave, check_in=entry.pk, body="x").json_body["field"] == "check_in"


def test_the_mention_suggestions_are_people_whose_name_starts_so(company, api_as):
    api = api_as(company.alice)
    assert [p["username"] for p in api.get("/people/mentions?q=b").json_body] == ["bob"]
    assert api.get("/people/mentions?q=car").json_body == [
        {"id": company.carol.pk, "username": "carol", "name": "Carol"}
    ]
    assert [p["username"] for p in api.get("/people/mentions?q=@Cleo").json_body] == ["ceo"]
    for n in range(12):
        org.create_person(f"bea{n}")
    assert len(api.get("/people/mentions?q=b").json_body) == 8
    company.dave.is_active = False
    company.dave.save()
    assert api.get("/people/mentions?q=dave").json_body == []


def _count_queries(api, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("private", [False, True])
def test_the_list_runs_the_same_queries_for_3_or_30_comments(
    company, api_as, okr, secret, private, django_assert_max_num_queries
):
    objective = secret if private else okr[0]
    people = [company.alice, company.bob, company.carol]
    counts = []
    for size in (3, 30):
        while Comment.objects.filter(objective=objective).count() < size:
            n = Comment.objects.count()
            author = people[n % 3]
            comment = comments.create_comment(
                author, objective=objective, body=f"@{people[(n + 1) % 3].username} #{n}"
            )
            comments.react(people[(n + 2) % 3], comment, "🎉")
        api = api_as(company.bob)
        with django_assert_max_num_queries(12):
            counts.append(_count_queries(api, f"/comments?objective={objective.pk}"))
    assert counts[0] == counts[1]
