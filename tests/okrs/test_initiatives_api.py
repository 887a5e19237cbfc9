"""/api/v1/initiatives: listing by key result and objective, adding, changing, removing.

Alice owns "Ship the scheduler"; Bob owns its key result, so both plan its work. Carol
reads it but may not change it; Dave, the outsider, never sees it once it is private.
"""

from datetime import date, timedelta

import pytest

from stretch.okrs import initiatives
from stretch.okrs import services as okrs
from stretch.okrs.models import Initiative


@pytest.fixture
def objective(company):
    return okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )


@pytest.fixture
def kr(company, objective):
    return okrs.create_key_result(
        company.alice, objective, title="Jobs migrated", target=200, owner=company.bob
    )


def make_private(company, objective):
    okrs.update_objective(company.alice, objective, {"visibility": "private"})


def assert_names(response, field, status=400):
    assert response.status_code == status, response.json_body
    if status == 400:
        assert response.json_body["field"] == field
    else:  # 422 from the request schema: the field is in the error's location
        locations = [error["loc"] for error in response.json_body["detail"]]
        assert any(field in location for location in locations), locations


# Adding ---------------------------------------------------------------------------------------


def test_it_adds_an_initiative_and_answers_its_shape(company, api_as, objective, kr):
    response = api_as(company.bob).post(
        "/initiatives",
        {
            "key_result": kr.pk,
            "title": "Move the cron jobs",
            "owner": company.alice.pk,
            "status": "doing",
            "due": "2020-01-31",
            "link": "https://tracker.example/SCHED-1",
        },
    )
    assert response.status_code == 201, response.json_body
    body = response.json_body
    assert body["key_result"] == {"id": kr.pk, "title": "Jobs migrated"}
    assert body["objective"] == objective.pk
    assert body["owner"] == {"id": company.alice.pk, "name": "Alice"}
    assert (body["title"], body["status"], body["due"]) == (
        "Move the cron jobs",
        "doing",
        "2020-01-31",
    )
    assert body["overdue"] is True  # long past, and still being worked on
    assert body["link"] == "https://tracker.example/SCHED-1"
    assert (body["version"], body["can_edit"]) == (1, True)


def test_the_defaults_are_to_do_with_no_owner_due_date_or_link(company, api_as, kr):
    body = api_as(company.alice).post("/initiatives", {"key_result": kr.pk, "title": "A"}).json_body
    assert (body["status"], body["owner"], body["due"], body["link"]) == ("todo", None, None, "")
    assert body["overdue"] is False


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"title": ""}, "title", 400),
        ({"title": "x" * 301}, "title", 400),
        ({"status": "blocked"}, "status", 422),
        ({"due": "soon"}, "due", 422),
        ({"due": "2026-13-01"}, "due", 422),
        ({"link": "javascript:alert(document.cookie)"}, "link", 400),
        ({"link": "mailto:bob@example.com"}, "link", 400),
        ({"owner": 10**6}, "owner", 400),
        ({"key_result": 10**6}, "key_result", 400),
        ({"key_result": "one"}, "key_result", 422),
    ],
)
def test_it_refuses_bad_input_naming_the_field(company, api_as, kr, body, field, status):
    response = api_as(company.alice).post(
        "/initiatives", {"key_result": kr.pk, "title": "Plan", **body}
    )
    assert_names(response, field, status)
    assert not Initiative.objects.exists()


def test_a_reader_who_may_not_plan_the_work_gets_403(company, api_as, kr):
    response = api_as(company.carol).post("/initiatives", {"key_result": kr.pk, "title": "Mine"})
    assert response.status_code == 403
    assert not Initiative.objects.exists()


def test_an_outsider_cannot_tell_a_private_key_result_from_a_missing_one(
    company, api_as, objective, kr
):
    make_private(company, objective)
    response = api_as(company.dave).post("/initiatives", {"key_result": kr.pk, "title": "Peek"})
    missing = api_as(company.dave).post("/initiatives", {"key_result": 10**6, "title": "Peek"})
    assert_names(response, "key_result")
    assert response.json_body["detail"].replace(str(kr.pk), "?") == missing.json_body[
        "detail"
    ].replace(str(10**6), "?")


def test_a_visitor_without_a_token_is_refused(company, api_as, kr):
    assert api_as(None).post("/initiatives", {"key_result": kr.pk, "title": "x"}).status_code == 401
    assert api_as(None).get("/initiatives").status_code == 401


# Listing --------------------------------------------------------------------------------------


@pytest.fixture
def planned(company, objective, kr):
    """Three initiatives on `kr`, one on a second key result of the same objective, and one
    on another objective of Alice's."""
    other = okrs.create_key_result(company.alice, objective, title="Retries", target=1)
    elsewhere = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Hire two SREs", owner_person=company.alice
    )
    hiring = okrs.create_key_result(company.alice, elsewhere, title="Offers accepted", target=2)
    initiatives.create(company.alice, hiring, title="Post the job", status="done")
    made = [
        initiatives.create(company.alice, kr, title="Done one", status="done"),
        initiatives.create(company.alice, kr, title="Doing one", status="doing", owner=company.bob),
        initiatives.create(company.alice, kr, title="Dropped one", status="dropped"),
        initiatives.create(company.alice, other, title="Elsewhere"),
    ]
    return other, made


def test_it_lists_a_key_results_initiatives_in_order_with_the_counts(company, api_as, kr, planned):
    body = api_as(company.carol).get(f"/initiatives?key_result={kr.pk}").json_body
    assert [i["title"] for i in body["items"]] == ["Done one", "Doing one", "Dropped one"]
    assert (body["count"], body["done"], body["open"], body["total"]) == (3, 1, 1, 3)
    assert {i["can_edit"] for i in body["items"]} == {False}  # carol reads


def test_it_lists_an_objectives_initiatives_across_its_key_results(
    company, api_as, objective, planned
):
    body = api_as(company.bob).get(f"/initiatives?objective={objective.pk}").json_body
    assert body["count"] == 4 and "Post the job" not in {i["title"] for i in body["items"]}
    assert (body["done"], body["open"], body["total"]) == (1, 2, 4)
    # Bob owns the first key result, not the second: he plans only its work.
    editable = {i["key_result"]["title"]: i["can_edit"] for i in body["items"]}
    assert editable == {"Jobs migrated": True, "Retries": False}


def test_it_filters_by_owner_and_status(company, api_as, objective, planned):
    api = api_as(company.alice)
    assert [
        i["title"] for i in api.get(f"/initiatives?owner={company.bob.pk}").json_body["items"]
    ] == ["Doing one"]
    body = api.get(f"/initiatives?objective={objective.pk}&status=todo").json_body
    assert [i["title"] for i in body["items"]] == ["Elsewhere"]
    assert body["total"] == 4  # the counts are of the whole objective, whatever the status
    assert api.get("/initiatives?status=later").status_code == 422


def test_a_private_objectives_initiatives_are_a_404_for_an_outsider(
    company, api_as, objective, kr, planned
):
    make_private(company, objective)
    dave = api_as(company.dave)
    assert dave.get(f"/initiatives?objective={objective.pk}").status_code == 404
    assert dave.get(f"/initiatives?key_result={kr.pk}").status_code == 404
    assert dave.get(f"/initiatives/{planned[1][0].pk}").status_code == 404
    assert [i["title"] for i in dave.get("/initiatives").json_body["items"]] == ["Post the job"]
    # Bob, the key result's owner and alice's manager, still sees them.
    assert api_as(company.bob).get("/initiatives").json_body["count"] == 5


def test_the_list_runs_a_bounded_number_of_queries(
    company, api_as, objective, kr, django_assert_max_num_queries
):
    for n in range(30):
        initiatives.create(company.alice, kr, title=f"I{n}", owner=company.bob)
    api = api_as(company.carol)
    # The token (2), carol's reach (6: her teams, three levels of reports, two of teams), the
    # objective, the counts, the page and its count: the same for 3 or 300.
    with django_assert_max_num_queries(12):
        response = api.get(f"/initiatives?objective={objective.pk}&limit=100")
    assert len(response.json_body["items"]) == 30


# Changing -------------------------------------------------------------------------------------


@pytest.fixture
def one(company, kr):
    return initiatives.create(company.alice, kr, title="Move the cron jobs")


def test_the_key_results_owner_changes_the_status(company, api_as, one):
    response = api_as(company.bob).patch(f"/initiatives/{one.pk}", {"status": "done", "version": 1})
    assert response.status_code == 200, response.json_body
    assert (response.json_body["status"], response.json_body["version"]) == ("done", 2)


def test_owner_and_due_may_be_cleared_but_not_the_title(company, api_as, one):
    api = api_as(company.alice)
    api.patch(f"/initiatives/{one.pk}", {"owner": company.bob.pk, "due": "2030-01-01"})
    body = api.patch(f"/initiatives/{one.pk}", {"owner": None, "due": None}).json_body
    assert (body["owner"], body["due"]) == (None, None)
    assert_names(api.patch(f"/initiatives/{one.pk}", {"title": None}), "title")
    assert_names(api.patch(f"/initiatives/{one.pk}", {"title": "  "}), "title")


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"status": "paused"}, "status", 422),
        ({"due": "31/01/2030"}, "due", 422),
        ({"link": "javascript:alert(1)"}, "link", 400),
        ({"link": "//evil.example"}, "link", 400),
        ({"owner": 10**6}, "owner", 400),
        ({"position": -1}, "position", 422),
    ],
)
def test_a_change_with_bad_input_names_the_field(company, api_as, one, body, field, status):
    assert_names(api_as(company.alice).patch(f"/initiatives/{one.pk}", body), field, status)
    one.refresh_from_db()
    assert one.version == 1


def test_a_stale_version_is_a_409_with_the_current_state(company, api_as, one):
    api_as(company.bob).patch(f"/initiatives/{one.pk}", {"status": "doing"})
    response = api_as(company.alice).patch(
        f"/initiatives/{one.pk}", {"status": "done", "version": 1}
    )
    assert response.status_code == 409
    assert response.json_body["current"]["status"] == "doing"
    assert response.json_body["current"]["version"] == 2
    stale = api_as(company.alice).patch(
        f"/initiatives/{one.pk}", {"status": "done"}, **{"If-Match": '"1"'}
    )
    assert stale.status_code == 409
    fresh = api_as(company.alice).patch(
        f"/initiatives/{one.pk}", {"status": "done"}, **{"If-Match": '"2"'}
    )
    assert fresh.status_code == 200


def test_a_reader_may_not_change_or_delete_it(company, api_as, one):
    carol = api_as(company.carol)
    assert carol.patch(f"/initiatives/{one.pk}", {"status": "done"}).status_code == 403
    assert carol.delete(f"/initiatives/{one.pk}").status_code == 403
    assert Initiative.objects.get(pk=one.pk).status == "todo"


def test_an_outsider_gets_404_on_a_private_objectives_initiative(company, api_as, objective, one):
    make_private(company, objective)
    dave = api_as(company.dave)
    assert dave.patch(f"/initiatives/{one.pk}", {"status": "done"}).status_code == 404
    assert dave.delete(f"/initiatives/{one.pk}").status_code == 404


def test_it_deletes_an_initiative(company, api_as, one):
    assert api_as(company.bob).delete(f"/initiatives/{one.pk}").status_code == 204
    assert not Initiative.objects.exists()
    assert api_as(company.bob).get(f"/initiatives/{one.pk}").status_code == 404


def test_the_wrong_method_is_refused(company, api_as, one):
    assert api_as(company.alice).request("put", f"/initiatives/{one.pk}", {}).status_code == 405


def test_a_closed_objective_refuses_changes(company, api_as, objective, one):
    okrs.update_objective(company.alice, objective, {"status": "closed"})
    response = api_as(company.alice).patch(f"/initiatives/{one.pk}", {"status": "done"})
    assert_names(response, "objective")
    assert api_as(company.alice).get(f"/initiatives/{one.pk}").json_body["can_edit"] is False


def test_reorder_puts_them_in_the_given_order(company, api_as, kr, one):
    second = initiatives.create(company.alice, kr, title="Second")
    response = api_as(company.bob).post(
        "/initiatives/reorder", {"key_result": kr.pk, "order": [second.pk, one.pk]}
    )
    assert response.status_code == 200, response.json_body
    assert [i["title"] for i in response.json_body] == ["Second", "Move the cron jobs"]
    refused = api_as(company.carol).post(
        "/initiatives/reorder", {"key_result": kr.pk, "order": [one.pk]}
    )
    assert refused.status_code == 403


def test_an_initiative_due_today_is_not_overdue(company, api_as, kr):
    today = date.today()
    api = api_as(company.alice)
    due_today = api.post(
        "/initiatives", {"key_result": kr.pk, "title": "Today", "due": today.isoformat()}
    ).json_body
    yesterday = (today - timedelta(days=1)).isoformat()
    done_late = api.post(
        "/initiatives",
        {"key_result": kr.pk, "title": "Done late", "due": yesterday, "status": "done"},
    ).json_body
    assert (due_today["overdue"], done_late["overdue"]) == (False, False)
