"""Recognitions and company values through the JSON API: the wall and its filters, bad
input, deleting, reactions, counts over a cycle, values (administrators), linked objectives
made private since, notifications, and a bounded number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from stretch.cfr import recognition
from stretch.cfr.models import Recognition
from stretch.okrs import services as okrs
from stretch.okrs.models import Objective
from stretch.org.models import CompanyValue
from stretch.social.models import Notification, Reaction


@pytest.fixture
def courage(db):
    return CompanyValue.objects.create(name="Courage", description="Say it", position=0)


@pytest.fixture
def care(db):
    return CompanyValue.objects.create(name="Care", position=1)


@pytest.fixture
def scheduler(company):
    return okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )


def give(api, *receivers, message="Thanks for the rescue", **extra):
    return api.post(
        "/recognitions",
        {"receivers": [person.pk for person in receivers], "message": message, **extra},
    )


def given(api, *receivers, **extra) -> dict:
    answer = give(api, *receivers, **extra)
    assert answer.status_code == 201, answer.json_body
    return answer.json_body


def ids(answer) -> list[int]:
    assert answer.status_code == 200, answer.json_body
    return [item["id"] for item in answer.json_body["items"]]


def assert_names(answer, field, status=400):
    assert answer.status_code == status, answer.json_body
    if status == 400:
        assert answer.json_body["field"] == field, answer.json_body
    else:  # 422 from the request schema: the field is in the error's location
        locations = [error["loc"] for error in answer.json_body["detail"]]
        assert any(field in location for location in locations), locations


# Giving and reading ------------------------------------------------------------------------


def test_a_recognition_is_given_and_shown_whole(company, api_as, courage, scheduler):
    body = given(
        api_as(company.bob),
        company.alice,
        message="**Calm** under fire",
        value=courage.pk,
        objective=scheduler.pk,
    )
    assert body["giver"] == {"id": company.bob.pk, "name": "Bob"}
    assert body["receivers"] == [{"id": company.alice.pk, "name": "Alice"}]
    assert body["message"] == "**Calm** under fire"
    assert "<strong>Calm</strong>" in body["html"]
    assert body["value"] == {"id": courage.pk, "name": "Courage"}
    assert body["objective"] == {"id": scheduler.pk, "title": "Ship the scheduler"}
    assert body["reactions"] == [] and body["comments"] == 0
    assert body["can_delete"] is True
    read = api_as(company.dave).get(f"/recognitions/{body['id']}").json_body
    assert read["message"] == "**Calm** under fire" and read["can_delete"] is False


def test_the_markdown_is_sanitised(company, api_as):
    body = given(api_as(company.bob), company.alice, message="Hi <script>alert(1)</script>")
    assert "<script>" not in body["html"]
    assert body["message"] == "Hi <script>alert(1)</script>"


def test_the_wall_is_newest_first_and_paged(company, api_as):
    bob = api_as(company.bob)
    first = given(bob, company.alice, message="One")["id"]
    second = given(bob, company.dave, message="Two")["id"]
    third = given(bob, company.carol, message="Three")["id"]
    assert ids(api_as(company.dave).get("/recognitions")) == [third, second, first]
    page = api_as(company.dave).get("/recognitions?limit=2&offset=1").json_body
    assert page["count"] == 3 and [i["id"] for i in page["items"]] == [second, first]


def test_the_receiver_is_notified(company, api_as):
    given(api_as(company.bob), company.alice, company.dave, message="Great launch")
    notified = set(
        Notification.objects.filter(kind=Notification.Kind.RECOGNITION).values_list(
            "recipient", flat=True
        )
    )
    assert notified == {company.alice.pk, company.dave.pk}


def test_anonymous_callers_are_refused(company, api_as):
    recognition.give(company.bob, receivers=[company.alice.pk], message="x")
    assert api_as(None).get("/recognitions").status_code == 401
    assert give(api_as(None), company.alice).status_code == 401


# Filters -----------------------------------------------------------------------------------


def test_the_person_filter_shows_received_and_given(company, api_as):
    bob = api_as(company.bob)
    both = given(bob, company.alice, company.dave, message="Both of you")["id"]
    to_alice = given(bob, company.alice, message="Alice only")["id"]
    by_dave = given(api_as(company.dave), company.carol, message="From Dave")["id"]
    reader = api_as(company.carol)
    assert ids(reader.get(f"/recognitions?person={company.alice.pk}")) == [to_alice, both]
    assert ids(reader.get(f"/recognitions?person={company.dave.pk}")) == [by_dave, both]
    assert ids(reader.get(f"/recognitions?person={company.ceo.pk}")) == []


def test_the_team_filter_shows_what_the_team_and_teams_below_received(company, api_as):
    bob = api_as(company.bob)
    to_alice = given(bob, company.alice, message="Platform")["id"]
    to_dave = given(bob, company.dave, message="Sales")["id"]
    reader = api_as(company.dave)
    assert ids(reader.get(f"/recognitions?team={company.platform.pk}")) == [to_alice]
    assert ids(reader.get(f"/recognitions?team={company.engineering.pk}")) == [to_alice]
    assert ids(reader.get(f"/recognitions?team={company.sales.pk}")) == [to_dave]
    assert ids(reader.get(f"/recognitions?team={company.root.pk}")) == [to_dave, to_alice]


def test_the_cycle_filter_keeps_the_cycles_dates(company, api_as):
    bob = api_as(company.bob)
    recent = given(bob, company.alice, message="Recent")["id"]
    older = given(bob, company.alice, message="Two months ago")["id"]
    Recognition.objects.filter(pk=older).update(created_at=timezone.now() - timedelta(days=60))
    reader = api_as(company.dave)
    assert ids(reader.get(f"/recognitions?cycle={company.quarter.pk}")) == [recent]
    assert ids(reader.get(f"/recognitions?cycle={company.year.pk}")) == [recent, older]


def test_the_value_filter(company, api_as, courage, care):
    bob = api_as(company.bob)
    brave = given(bob, company.alice, value=courage.pk)["id"]
    kind = given(bob, company.alice, value=care.pk)["id"]
    given(bob, company.alice)
    reader = api_as(company.dave)
    assert ids(reader.get(f"/recognitions?value={courage.pk}")) == [brave]
    assert ids(reader.get(f"/recognitions?value={care.pk}")) == [kind]
    assert ids(reader.get(f"/recognitions?value={care.pk}&person={company.dave.pk}")) == []


@pytest.mark.parametrize("field", ["team", "person", "cycle", "value"])
def test_an_unknown_filter_id_is_a_400_naming_it(company, api_as, field):
    assert_names(api_as(company.dave).get(f"/recognitions?{field}=987654"), field)


@pytest.mark.parametrize("field", ["team", "person", "cycle"])
def test_a_huge_filter_id_is_a_400_naming_it(company, api_as, field):
    assert_names(api_as(company.dave).get(f"/recognitions?{field}={2**70}"), field)


def test_a_filter_that_is_not_a_number_is_a_422_naming_it(company, api_as):
    assert_names(api_as(company.dave).get("/recognitions?team=platform"), "team", status=422)


def test_an_unknown_recognition_is_a_404(company, api_as):
    dave = api_as(company.dave)
    assert dave.get("/recognitions/987654").status_code == 404
    assert dave.get(f"/recognitions/{2**70}").status_code == 404
    assert dave.delete("/recognitions/987654").status_code == 404


# Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"receivers": [], "message": "x"}, "receivers"),
        ({"receivers": ["unknown"], "message": "x"}, "receivers"),
        ({"receivers": [2**70], "message": "x"}, "receivers"),
        ({"receivers": ["self"], "message": "x"}, "receivers"),
        ({"receivers": ["bob", "self"], "message": "x"}, "receivers"),
        ({"receivers": ["bob"], "message": ""}, "message"),
        ({"receivers": ["bob"], "message": "   \n "}, "message"),
        ({"receivers": ["bob"], "message": "x" * (recognition.MAX_MESSAGE + 1)}, "message"),
        ({"receivers": ["bob"], "message": "x", "value": 987654}, "value"),
        ({"receivers": ["bob"], "message": "x", "value": "archived"}, "value"),
        ({"receivers": ["bob"], "message": "x", "objective": 987654}, "objective"),
        ({"receivers": ["bob"], "message": "x", "objective": 2**70}, "objective"),
        ({"receivers": ["bob"], "message": "x", "objective": "private"}, "objective"),
        ({"receivers": ["bob"], "message": "x", "objective": "hidden"}, "objective"),
    ],
)
def test_bad_recognitions_are_a_400_naming_the_field(
    company, api_as, scheduler, payload, field
):  # fmt: skip
    stale = CompanyValue.objects.create(name="Old ways", archived=True)
    hidden = okrs.create_objective(
        company.dave, cycle=company.quarter, title="Sales secret", owner_person=company.dave
    )
    Objective.objects.filter(pk__in=[scheduler.pk, hidden.pk]).update(visibility="private")
    names = {
        "self": company.alice.pk,
        "bob": company.bob.pk,
        "unknown": 987654,
        "archived": stale.pk,
        "private": scheduler.pk,  # alice's own, so she sees it: private all the same
        "hidden": hidden.pk,  # dave's private objective: alice cannot see it
    }
    payload = {
        key: [names.get(v, v) for v in given] if isinstance(given, list) else names.get(given, given)
        for key, given in payload.items()
    }  # fmt: skip
    assert_names(api_as(company.alice).post("/recognitions", payload), field)
    assert not Recognition.objects.exists()
    assert not Notification.objects.filter(kind=Notification.Kind.RECOGNITION).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"message": "x"}, "receivers"),
        ({"receivers": [1]}, "message"),
        ({"receivers": [1], "message": "x", "giver": 1}, "giver"),
        ({"receivers": [1], "message": "x", "created_at": "2020-01-01"}, "created_at"),
        ({"receivers": "everyone", "message": "x"}, "receivers"),
    ],
)
def test_a_malformed_body_is_a_422_naming_the_field(company, api_as, payload, field):
    assert_names(api_as(company.alice).post("/recognitions", payload), field, status=422)
    assert not Recognition.objects.exists()


def test_the_same_person_twice_is_recognised_once(company, api_as):
    body = given(api_as(company.bob), company.alice, company.alice)
    assert [p["id"] for p in body["receivers"]] == [company.alice.pk]


# Deleting ----------------------------------------------------------------------------------


def test_the_giver_or_an_administrator_deletes_nobody_else(company, api_as):
    first = given(api_as(company.bob), company.alice)["id"]
    second = given(api_as(company.bob), company.alice)["id"]
    for other in (company.alice, company.dave, company.carol):
        answer = api_as(other).delete(f"/recognitions/{first}")
        assert answer.status_code == 403
        assert "delete" in answer.json_body["detail"]
    assert api_as(company.bob).delete(f"/recognitions/{first}").status_code == 204
    assert api_as(company.admin).get(f"/recognitions/{second}").json_body["can_delete"] is True
    assert api_as(company.admin).delete(f"/recognitions/{second}").status_code == 204
    assert not Recognition.objects.exists()
    assert api_as(company.bob).get(f"/recognitions/{first}").status_code == 404


# Reactions ---------------------------------------------------------------------------------


def test_reactions_are_added_once_counted_and_taken_back(company, api_as):
    pk = given(api_as(company.bob), company.alice)["id"]
    path = f"/recognitions/{pk}/reactions"
    alice, dave = api_as(company.alice), api_as(company.dave)
    assert alice.post(path, {"emoji": "🎉"}).status_code == 200
    again = alice.post(path, {"emoji": "🎉"})
    assert again.json_body["reactions"] == [{"emoji": "🎉", "count": 1, "mine": True}]
    shown = dave.post(path, {"emoji": "🎉"}).json_body["reactions"]
    assert shown == [{"emoji": "🎉", "count": 2, "mine": True}]
    as_bob = api_as(company.bob).get(f"/recognitions/{pk}").json_body["reactions"]
    assert as_bob == [{"emoji": "🎉", "count": 2, "mine": False}]
    taken = alice.delete(f"{path}/%F0%9F%8E%89")
    assert taken.status_code == 200
    assert taken.json_body["reactions"] == [{"emoji": "🎉", "count": 1, "mine": False}]
    listed = alice.get("/recognitions").json_body["items"][0]["reactions"]
    assert listed == [{"emoji": "🎉", "count": 1, "mine": False}]
    assert alice.delete(f"{path}/%F0%9F%8E%89").status_code == 200  # not given: no change
    assert Reaction.objects.filter(recognition_id=pk).count() == 1


def test_a_heart_without_its_presentation_mark_is_the_same_heart(company, api_as):
    pk = given(api_as(company.bob), company.alice)["id"]
    answer = api_as(company.alice).post(f"/recognitions/{pk}/reactions", {"emoji": "\u2764"})
    assert answer.json_body["reactions"][0]["emoji"] == "\u2764\ufe0f"


@pytest.mark.parametrize("emoji", ["", "x", "💩", "🎉🎉"])
def test_a_bad_emoji_is_a_400_naming_it(company, api_as, emoji):
    pk = given(api_as(company.bob), company.alice)["id"]
    assert_names(
        api_as(company.alice).post(f"/recognitions/{pk}/reactions", {"emoji": emoji}), "emoji"
    )
    if emoji:
        assert_names(api_as(company.alice).delete(f"/recognitions/{pk}/reactions/{emoji}"), "emoji")
    assert not Reaction.objects.exists()


def test_reacting_to_an_unknown_recognition_is_a_404(company, api_as):
    answer = api_as(company.alice).post("/recognitions/987654/reactions", {"emoji": "🎉"})
    assert answer.status_code == 404


# Counts ------------------------------------------------------------------------------------


def test_counts_per_person_and_value_over_a_cycle(company, api_as, courage, care):
    bob, carol = api_as(company.bob), api_as(company.carol)
    given(bob, company.alice, company.dave, value=courage.pk)
    given(carol, company.alice, value=courage.pk)
    given(carol, company.bob, value=care.pk)
    given(bob, company.dave)
    old = given(bob, company.dave, value=care.pk)["id"]  # before the quarter
    Recognition.objects.filter(pk=old).update(created_at=timezone.now() - timedelta(days=60))

    counts = api_as(company.dave).get(f"/recognitions/counts?cycle={company.quarter.pk}")
    assert counts.status_code == 200
    body = counts.json_body
    assert body["total"] == 4 and body["givers"] == 2
    people = {row["person"]["id"]: row["count"] for row in body["people"]}
    assert people == {company.alice.pk: 2, company.dave.pk: 2, company.bob.pk: 1}
    assert body["values"] == [
        {"value": {"id": courage.pk, "name": "Courage"}, "count": 2},
        {"value": {"id": care.pk, "name": "Care"}, "count": 1},
    ]

    whole_year = api_as(company.dave).get(f"/recognitions/counts?cycle={company.year.pk}")
    assert whole_year.json_body["total"] == 5
    by_person = {row["person"]["id"]: row["count"] for row in whole_year.json_body["people"]}
    assert by_person[company.dave.pk] == 3


def test_counts_on_a_team_count_its_people_only(company, api_as, courage):
    given(api_as(company.bob), company.alice, company.dave, value=courage.pk)
    given(api_as(company.bob), company.dave)
    body = api_as(company.dave).get(f"/recognitions/counts?team={company.platform.pk}").json_body
    assert body["total"] == 1
    assert body["people"] == [{"person": {"id": company.alice.pk, "name": "Alice"}, "count": 1}]


@pytest.mark.parametrize("field", ["team", "cycle"])
def test_counts_with_an_unknown_filter_id_is_a_400_naming_it(company, api_as, field):
    assert_names(api_as(company.dave).get(f"/recognitions/counts?{field}=987654"), field)


# Company values ----------------------------------------------------------------------------


def test_values_are_listed_in_order_with_their_counts(company, api_as, courage, care):
    retired = CompanyValue.objects.create(name="Hustle", position=2, archived=True)
    given(api_as(company.bob), company.alice, value=courage.pk)
    given(api_as(company.bob), company.dave, value=courage.pk)
    offered = api_as(company.dave).get("/values").json_body
    assert offered == [
        {
            "id": courage.pk,
            "name": "Courage",
            "description": "Say it",
            "position": 0,
            "archived": False,
            "recognitions": 2,
        },
        {
            "id": care.pk,
            "name": "Care",
            "description": "",
            "position": 1,
            "archived": False,
            "recognitions": 0,
        },
    ]
    everything = api_as(company.dave).get("/values?archived=true").json_body
    assert [v["id"] for v in everything] == [courage.pk, care.pk, retired.pk]
    assert everything[2]["archived"] is True


def test_an_administrator_adds_changes_and_deletes_a_value(company, api_as, courage):
    admin = api_as(company.admin)
    made = admin.post("/values", {"name": " Candour ", "description": "Kind and clear"})
    assert made.status_code == 201
    body = made.json_body
    assert (body["name"], body["position"], body["recognitions"]) == ("Candour", 1, 0)
    path = f"/values/{body['id']}"
    changed = admin.patch(path, {"name": "Openness", "position": 0})
    assert changed.status_code == 200
    assert (changed.json_body["name"], changed.json_body["position"]) == ("Openness", 0)
    assert changed.json_body["description"] == "Kind and clear"
    assert admin.get(path).json_body["name"] == "Openness"
    assert admin.delete(path).status_code == 204
    assert not CompanyValue.objects.filter(pk=body["id"]).exists()
    assert admin.get(path).status_code == 404


def test_others_may_not_change_values(company, api_as, courage):
    for person in (company.alice, company.ceo, company.carol):
        api = api_as(person)
        for answer in (
            api.post("/values", {"name": "Speed"}),
            api.patch(f"/values/{courage.pk}", {"name": "Speed"}),
            api.delete(f"/values/{courage.pk}"),
        ):
            assert answer.status_code == 403
            assert "administrators" in answer.json_body["detail"]
    courage.refresh_from_db()
    assert (courage.name, courage.archived) == ("Courage", False)
    assert CompanyValue.objects.count() == 1


@pytest.mark.parametrize(
    ("method", "payload", "field"),
    [
        ("post", {"name": ""}, "name"),
        ("post", {"name": "   "}, "name"),
        ("post", {"name": "x" * 101}, "name"),
        ("post", {"name": "courage"}, "name"),
        ("post", {"name": "Speed", "description": "x" * 1001}, "description"),
        ("patch", {"name": ""}, "name"),
        ("patch", {"name": "COURAGE"}, "name"),
        ("patch", {"position": -1}, "position"),
        ("patch", {"position": 2**70}, "position"),
    ],
)
def test_bad_values_are_a_400_naming_the_field(company, api_as, courage, method, payload, field):
    target = CompanyValue.objects.create(name="Care", position=1)
    path = "/values" if method == "post" else f"/values/{target.pk}"
    assert_names(getattr(api_as(company.admin), method)(path, payload), field)
    assert sorted(CompanyValue.objects.values_list("name", flat=True)) == ["Care", "Courage"]


@pytest.mark.parametrize(
    ("method", "payload", "field"),
    [
        ("post", {}, "name"),
        ("post", {"name": "Speed", "colour": "red"}, "colour"),
        ("patch", {"archived": "yes"}, "archived"),
        ("patch", {"position": "first"}, "position"),
        ("patch", {"recognitions": 3}, "recognitions"),
    ],
)
def test_malformed_values_are_a_422_naming_the_field(
    company, api_as, courage, method, payload, field
):  # fmt: skip
    path = "/values" if method == "post" else f"/values/{courage.pk}"
    assert_names(getattr(api_as(company.admin), method)(path, payload), field, status=422)


def test_an_unknown_value_is_a_404(company, api_as):
    admin = api_as(company.admin)
    assert admin.get("/values/987654").status_code == 404
    assert admin.patch("/values/987654", {"name": "x"}).status_code == 404
    assert admin.delete(f"/values/{2**70}").status_code == 404


def test_a_value_in_use_is_archived_instead_of_deleted(company, api_as, courage):
    old = given(api_as(company.bob), company.alice, value=courage.pk)["id"]
    answer = api_as(company.admin).delete(f"/values/{courage.pk}")
    assert answer.status_code == 200
    assert answer.json_body["archived"] is True and answer.json_body["recognitions"] == 1
    assert CompanyValue.objects.filter(pk=courage.pk, archived=True).exists()
    reader = api_as(company.dave)
    assert [v["id"] for v in reader.get("/values").json_body] == []
    assert [v["id"] for v in reader.get("/values?archived=true").json_body] == [courage.pk]
    # The old recognition keeps its value; a new one may not name it.
    shown = reader.get(f"/recognitions/{old}").json_body["value"]
    assert shown == {"id": courage.pk, "name": "Courage"}
    assert ids(reader.get(f"/recognitions?value={courage.pk}")) == [old]
    refused = give(api_as(company.bob), company.alice, value=courage.pk)
    assert_names(refused, "value")
    assert "Courage" in refused.json_body["detail"]
    # Brought back, it is offered again.
    back = api_as(company.admin).patch(f"/values/{courage.pk}", {"archived": False})
    assert back.json_body["archived"] is False
    assert give(api_as(company.bob), company.alice, value=courage.pk).status_code == 201


# A linked objective made private since -----------------------------------------------------


def test_an_objective_made_private_later_is_hidden_from_those_who_cannot_see_it(
    company, api_as, scheduler
):  # fmt: skip
    pk = given(api_as(company.carol), company.alice, objective=scheduler.pk)["id"]
    Objective.objects.filter(pk=scheduler.pk).update(visibility=Objective.Visibility.PRIVATE)
    linked = {"id": scheduler.pk, "title": "Ship the scheduler"}
    for insider in (company.alice, company.bob, company.admin):  # owner, manager, admin
        api = api_as(insider)
        assert api.get(f"/recognitions/{pk}").json_body["objective"] == linked
        assert api.get("/recognitions").json_body["items"][0]["objective"] == linked
    dave = api_as(company.dave)
    assert dave.get(f"/recognitions/{pk}").json_body["objective"] is None
    assert dave.get("/recognitions").json_body["items"][0]["objective"] is None
    reacted = dave.post(f"/recognitions/{pk}/reactions", {"emoji": "👍"}).json_body
    assert reacted["objective"] is None
    assert "scheduler" not in str(dave.get("/recognitions").json_body)


def test_a_deleted_giver_leaves_the_recognition_without_one(company, api_as):
    pk = given(api_as(company.dave), company.alice)["id"]
    company.dave.delete()
    body = api_as(company.alice).get(f"/recognitions/{pk}").json_body
    assert body["giver"] is None and body["can_delete"] is False


# Bounded queries ---------------------------------------------------------------------------


def test_the_wall_runs_as_many_queries_for_twelve_recognitions_as_for_one(
    company, api_as, courage, scheduler, django_assert_max_num_queries
):
    """The organisation's depth costs a few queries (the team tree, carol's reports), the
    page's size none: each recognition's people, value, objective and reactions come in
    bulk."""
    Objective.objects.filter(pk=scheduler.pk).update(visibility=Objective.Visibility.PRIVATE)
    carol = api_as(company.carol)
    wall = f"/recognitions?team={company.root.pk}&cycle={company.quarter.pk}"

    def grow_to(size):
        while Recognition.objects.count() < size:
            item = recognition.give(
                company.bob,
                receivers=[company.alice.pk, company.dave.pk],
                message=f"Thanks {size}",
                value=courage.pk,
            )
            Recognition.objects.filter(pk=item.pk).update(objective=scheduler)
            recognition.react(company.alice, item, "🎉")
            recognition.react(company.carol, item, "👍")
        carol.get("/me")  # the token's last use is recorded once in a while: not counted
        counted = {}
        for path in (wall, f"/recognitions/counts?cycle={company.quarter.pk}", "/values"):
            with CaptureQueriesContext(connection) as queries:
                answer = carol.get(path)
            assert answer.status_code == 200, answer.json_body
            counted[path] = len(queries)
        items = carol.get(wall).json_body["items"]
        assert len(items) == size
        assert all(len(i["receivers"]) == 2 and i["objective"] for i in items)
        assert all(len(i["reactions"]) == 2 for i in items)
        return counted

    assert grow_to(1) == grow_to(12)
    with django_assert_max_num_queries(20):
        assert carol.get(wall).status_code == 200
