"""The reviews API: list, write, read, edit with versions, and clear 4xx answers."""

import pytest

from stretch.okrs.models import Objective
from stretch.reviews.models import Review
from tests.conftest import Api
from tests.reviews.test_reviews_helpers import (
    IN_GRADING,
    at,
    check_in_weeks,
    make_cycles,
    objective_with_key_results,
    set_phase,
    week_day,
)


@pytest.fixture
def q1(company):
    company.q1, company.q2, company.y2026 = make_cycles(company.admin)
    company.objective, (company.kr,) = objective_with_key_results(company.alice, company.q1)
    return company


def mid(objective, **texts):
    return {"objective": objective.pk, "kind": "mid", **(texts or {"went_well": "Fast start"})}


def test_the_owner_writes_a_mid_review_and_everyone_reads_it(q1):
    with at(week_day(6)):
        made = Api(q1.alice).post("/reviews", mid(q1.objective, learned="Pair more"))
    assert made.status_code == 201, made.json_body
    body = made.json_body
    assert body["objective"] == q1.objective.pk and body["cycle"] == q1.q1.pk
    assert body["kind"] == "mid" and body["learned"] == "Pair more"
    assert body["author"] == {"id": q1.alice.pk, "name": "Alice"}
    assert body["diagnosis"] is None and body["version"] == 1 and body["can_edit"] is True
    read = Api(q1.dave).get(f"/reviews/{body['id']}")
    assert read.status_code == 200 and read.json_body["can_edit"] is False
    listed = Api(q1.dave).get(f"/reviews?objective={q1.objective.pk}&kind=mid")
    assert listed.json_body["count"] == 1


def test_writing_someone_elses_review_is_forbidden(q1):
    with at(week_day(6)):
        answer = Api(q1.dave).post("/reviews", mid(q1.objective))
        team = Api(q1.alice).post(
            "/reviews", {"team": q1.platform.pk, "cycle": q1.q1.pk, "kind": "mid", "learned": "x"}
        )
    assert answer.status_code == 403
    assert team.status_code == 403
    assert Review.objects.count() == 0


def test_a_private_objectives_review_is_not_found_by_an_outsider(q1):
    Objective.objects.filter(pk=q1.objective.pk).update(visibility="private")
    with at(week_day(6)):
        made = Api(q1.alice).post("/reviews", mid(q1.objective)).json_body
        written = Api(q1.dave).post("/reviews", mid(q1.objective))
    assert Api(q1.dave).get(f"/reviews/{made['id']}").status_code == 404
    assert Api(q1.dave).patch(f"/reviews/{made['id']}", {"learned": "x"}).status_code == 404
    assert Api(q1.dave).get("/reviews").json_body["count"] == 0
    assert written.status_code == 400 and written.json_body["field"] == "objective"
    assert Api(q1.bob).get(f"/reviews/{made['id']}").status_code == 200  # her manager


def test_bad_input_names_the_field_and_writes_nothing(q1):
    api = Api(q1.alice)
    with at(week_day(6)):
        empty = api.post("/reviews", mid(q1.objective, went_well=" ", learned=""))
        both = api.post("/reviews", {**mid(q1.objective), "team": q1.platform.pk})
        no_cycle = api.post("/reviews", {"team": q1.platform.pk, "kind": "mid", "learned": "x"})
        bad_kind = api.post("/reviews", {**mid(q1.objective), "kind": "weekly"})
        unknown = api.post("/reviews", {**mid(q1.objective), "objective": 99999})
        wrong_cycle = api.post("/reviews", {**mid(q1.objective), "cycle": q1.y2026.pk})
    assert (empty.status_code, empty.json_body["field"]) == (400, "went_well")
    assert (both.status_code, both.json_body["field"]) == (400, "objective")
    assert (no_cycle.status_code, no_cycle.json_body["field"]) == (400, "cycle")
    assert bad_kind.status_code == 422 and "kind" in str(bad_kind.json_body)
    assert (unknown.status_code, unknown.json_body["field"]) == (400, "objective")
    assert (wrong_cycle.status_code, wrong_cycle.json_body["field"]) == (400, "cycle")
    assert Review.objects.count() == 0


def test_a_review_out_of_its_phase_is_refused(q1):
    with at(week_day(6)):
        early = Api(q1.alice).post("/reviews", {**mid(q1.objective), "kind": "final"})
    assert early.status_code == 400 and early.json_body["field"] == "cycle"
    assert "being graded" in early.json_body["detail"]


def test_a_second_review_of_the_same_kind_is_a_conflict_with_the_first(q1):
    api = Api(q1.alice)
    with at(week_day(6)):
        first = api.post("/reviews", mid(q1.objective)).json_body
        second = api.post("/reviews", mid(q1.objective, went_well="Again"))
    assert second.status_code == 409
    assert second.json_body["current"]["id"] == first["id"]
    assert second.json_body["current"]["went_well"] == "Fast start"
    assert Review.objects.count() == 1


def test_editing_with_a_stale_version_is_a_conflict_with_the_current_state(q1):
    api = Api(q1.alice)
    with at(week_day(6)):
        made = api.post("/reviews", mid(q1.objective)).json_body
        path = f"/reviews/{made['id']}"
        ok = api.patch(path, {"went_badly": "Late start", "version": 1})
        stale = api.patch(path, {"went_badly": "Overwrite", "version": 1})
        stale_header = api.patch(path, {"went_badly": "Overwrite"}, **{"If-Match": '"1"'})
        fresh_header = api.patch(path, {"learned": "Plan less"}, **{"If-Match": '"2"'})
        blind = api.patch(path, {"change_next": "Weekly demos"})  # no version: as it is now
        null = api.patch(path, {"learned": None})
    assert ok.status_code == 200 and ok.json_body["version"] == 2
    assert ok.json_body["went_well"] == "Fast start"  # untouched answers stay
    assert stale.status_code == 409
    assert stale.json_body["current"]["went_badly"] == "Late start"
    assert stale.json_body["current"]["version"] == 2
    assert stale_header.status_code == 409
    assert fresh_header.status_code == 200 and fresh_header.json_body["learned"] == "Plan less"
    assert blind.status_code == 200 and blind.json_body["version"] == 4
    assert null.status_code == 400 and null.json_body["field"] == "learned"
    assert Review.objects.get().went_badly == "Late start"


def test_a_final_review_answers_with_its_diagnosis(q1):
    check_in_weeks(q1.alice, q1.kr, range(12), value=30)
    Objective.objects.filter(pk=q1.objective.pk).update(score=0.3)
    set_phase(q1.q1, "grading")
    with at(IN_GRADING):
        made = Api(q1.alice).post(
            "/reviews", {**mid(q1.objective), "kind": "final", "change_next": "New channel"}
        )
    assert made.status_code == 201, made.json_body
    found = made.json_body["diagnosis"]
    assert found["code"] == "strategy"
    assert found["label"] == "Look at the strategy"
    assert (found["score"], found["graded"]) == (0.3, True)
    assert (found["checked"], found["periods"], found["cadence"]) == (12, 12, "weekly")
    assert "check-ins in 12 of 12 weeks" in found["explanation"]


def test_team_reviews_are_listed_by_team_cycle_and_kind(q1):
    with at(week_day(6)):
        made = Api(q1.bob).post(
            "/reviews", {"team": q1.platform.pk, "cycle": q1.q1.pk, "kind": "mid", "learned": "x"}
        )
        Api(q1.alice).post("/reviews", mid(q1.objective))
    assert made.status_code == 201 and made.json_body["team"] == q1.platform.pk
    dave = Api(q1.dave)
    assert dave.get(f"/reviews?team={q1.platform.pk}").json_body["count"] == 1
    assert dave.get(f"/reviews?cycle={q1.q1.pk}").json_body["count"] == 2
    assert dave.get(f"/reviews?cycle={q1.y2026.pk}").json_body["count"] == 0
    assert dave.get("/reviews?kind=final").json_body["count"] == 0
    assert dave.get("/reviews?kind=weekly").status_code == 422


def _write_many(company, count):
    for n in range(count):
        objective, _krs = objective_with_key_results(
            company.alice, company.q1, title=f"Objective {n}"
        )
        with at(week_day(6)):
            Api(company.alice).post("/reviews", mid(objective, went_well=f"Went well {n}"))


@pytest.mark.parametrize("size", [2, 12])
def test_the_list_runs_a_bounded_number_of_queries(q1, size, django_assert_max_num_queries):
    _write_many(q1, size)
    bob = Api(q1.bob)
    with django_assert_max_num_queries(8):  # token (2), reach (4), count, page; no more
        answer = bob.get("/reviews?limit=50")
    assert answer.json_body["count"] == size
    assert {item["went_well"] for item in answer.json_body["items"]} == {
        f"Went well {n}" for n in range(size)
    }
