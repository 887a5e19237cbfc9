"""Grading in the API: a score 0.0-1.0 for each key result, suggested from its progress and
adjusted with a reason; the objective's score the weighted mean; failure shown plainly."""

from datetime import UTC, datetime

import pytest

from stretch.okrs import phases
from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle, KeyResult, Objective


def metric(actor, objective, value=None, **fields):
    kr = okrs.create_key_result(
        actor, objective, **{"title": "Jobs migrated", "start": 0, "target": 200, **fields}
    )
    if value is not None:
        okrs.check_in(actor, kr, value=value)
    return kr


def end_cycle(company, clock, cycle):
    """The quarter is over: the clock passes its end and the administrator opens grading."""
    clock.move_to(datetime(2027, 1, 4, 12, tzinfo=UTC))
    phases.set_phase(company.admin, cycle, Cycle.Status.GRADING)


def assert_names(response, field, status=400):
    assert response.status_code == status, response.json_body
    if status == 400:
        assert response.json_body["field"] == field, response.json_body
    else:
        locations = [error["loc"] for error in response.json_body["detail"]]
        assert any(field in location for location in locations), locations


def stored(model, pk):
    return model.objects.get(pk=pk)


# Only in the grading phase ------------------------------------------------------------------


@pytest.mark.parametrize("phase", ["active", "closed"])
def test_a_key_result_is_graded_only_in_the_grading_phase(
    company, api_as, clock, q4, objective, phase
):
    kr = metric(company.alice, objective, value=100)
    Cycle.objects.filter(pk=q4.pk).update(status=phase)
    response = api_as(company.alice).post(f"/key-results/{kr.pk}/grade", {"score": 0.5})
    assert_names(response, "cycle")
    assert (
        "grading phase" in response.json_body["detail"]
        or "closed" in (response.json_body["detail"])
    )
    assert stored(KeyResult, kr.pk).score is None


def test_an_objective_is_graded_only_in_the_grading_phase(company, api_as, q4, objective):
    metric(company.alice, objective, value=200)
    response = api_as(company.alice).post(
        f"/objectives/{objective.pk}/grade", {"score": 1.0, "reason": "Done"}
    )
    assert_names(response, "cycle")
    assert stored(Objective, objective.pk).score is None


# The score itself ---------------------------------------------------------------------------


@pytest.mark.parametrize("score", [1.5, -0.1, 0.55, 0.05])
def test_a_key_result_score_is_a_tenth_from_0_to_1(company, api_as, clock, q4, objective, score):
    kr = metric(company.alice, objective, value=100)
    end_cycle(company, clock, q4)
    response = api_as(company.alice).post(
        f"/key-results/{kr.pk}/grade", {"score": score, "reason": "My call"}
    )
    assert_names(response, "score")
    assert stored(KeyResult, kr.pk).score is None


def test_a_key_result_grade_needs_a_score(company, api_as, clock, q4, objective):
    kr = metric(company.alice, objective, value=100)
    end_cycle(company, clock, q4)
    assert_names(api_as(company.alice).post(f"/key-results/{kr.pk}/grade", {}), "score")
    assert_names(
        api_as(company.alice).post(f"/key-results/{kr.pk}/grade", {"score": "lots"}),
        "score",
        status=422,
    )


@pytest.mark.parametrize("score", [1.5, -0.2, 0.75])
def test_an_objective_score_is_a_tenth_from_0_to_1(company, api_as, clock, q4, objective, score):
    metric(company.alice, objective, value=200)
    end_cycle(company, clock, q4)
    response = api_as(company.alice).post(
        f"/objectives/{objective.pk}/grade",
        {"score": score, "reason": "My call", "reflection": "Why"},
    )
    assert_names(response, "score")
    assert stored(Objective, objective.pk).score is None


# The suggestion -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "suggested"),
    [(50, 0.3), (130, 0.7), (69, 0.3), (0, 0.0), (199, 1.0), (260, 1.0)],
)
def test_a_metric_is_suggested_its_progress_rounded_half_up_to_a_tenth(
    company, api_as, clock, q4, objective, value, suggested
):
    kr = metric(company.alice, objective, value=value)  # of 0 → 200
    end_cycle(company, clock, q4)
    body = api_as(company.alice).get(f"/key-results/{kr.pk}").json_body
    assert body["suggested_score"] == suggested
    assert body["score"] is None


def test_a_milestone_is_suggested_0_or_1(company, api_as, clock, q4, objective):
    done = okrs.create_key_result(company.alice, objective, title="Launch", kind="milestone")
    okrs.check_in(company.alice, done, done=True)
    steps = okrs.create_key_result(
        company.alice,
        objective,
        title="Rollout",
        kind="milestone",
        steps=[{"title": "Beta", "weight": 3}, {"title": "GA", "weight": 1}],
    )
    beta = steps.steps.get(title="Beta")
    okrs.check_in(company.alice, steps, steps=[beta.pk])  # 75% of the way: not done
    end_cycle(company, clock, q4)
    alice = api_as(company.alice)
    assert alice.get(f"/key-results/{done.pk}").json_body["suggested_score"] == 1.0
    body = alice.get(f"/key-results/{steps.pk}").json_body
    assert body["progress"] == pytest.approx(0.75)
    assert body["suggested_score"] == 0.0


def test_the_suggested_score_is_taken_without_a_reason(company, api_as, clock, q4, objective):
    kr = metric(company.alice, objective, value=130)
    end_cycle(company, clock, q4)
    response = api_as(company.alice).post(f"/key-results/{kr.pk}/grade", {"score": 0.7})
    assert response.status_code == 200, response.json_body
    assert (response.json_body["score"], response.json_body["score_reason"]) == (0.7, "")
    assert stored(KeyResult, kr.pk).score == 0.7


def test_another_score_needs_a_reason(company, api_as, clock, q4, objective):
    kr = metric(company.alice, objective, value=130)
    end_cycle(company, clock, q4)
    for reason in ("", "   "):
        response = api_as(company.alice).post(
            f"/key-results/{kr.pk}/grade", {"score": 0.9, "reason": reason}
        )
        assert_names(response, "reason")
        assert "0.7" in response.json_body["detail"]  # it says what the suggestion was
    assert stored(KeyResult, kr.pk).score is None


def test_a_reasoned_score_is_stored_and_kept_in_the_history(company, api_as, clock, q4, objective):
    kr = metric(company.alice, objective, value=130)
    end_cycle(company, clock, q4)
    alice = api_as(company.alice)
    response = alice.post(
        f"/key-results/{kr.pk}/grade",
        {"score": 0.9, "reason": "The last 60 jobs moved after the freeze"},
    )
    assert response.status_code == 200, response.json_body
    assert response.json_body["score"] == 0.9
    assert response.json_body["score_reason"] == "The last 60 jobs moved after the freeze"
    newest = alice.get(f"/objectives/{objective.pk}/history").json_body["items"][0]
    assert (newest["what"], newest["id"], newest["who"]) == ("key result", kr.pk, "Alice")
    assert newest["reason"] == "The last 60 jobs moved after the freeze"
    assert {"field": "score", "before": "–", "after": "0.9"} in newest["fields"]
    assert datetime.fromisoformat(newest["at"]) == datetime(2027, 1, 4, 12, tzinfo=UTC)


# The objective's score ----------------------------------------------------------------------


def test_the_objective_score_is_the_weighted_mean_of_its_key_results(
    company, api_as, clock, q4, objective
):
    light = metric(company.alice, objective, value=200, title="Light", weight=1)
    heavy = metric(company.alice, objective, value=120, title="Heavy", weight=3)
    end_cycle(company, clock, q4)
    alice = api_as(company.alice)
    assert alice.post(f"/key-results/{light.pk}/grade", {"score": 1.0}).status_code == 200
    assert alice.post(f"/key-results/{heavy.pk}/grade", {"score": 0.6}).status_code == 200
    assert alice.get(f"/objectives/{objective.pk}").json_body["suggested_score"] == 0.7
    response = alice.post(f"/objectives/{objective.pk}/grade", {"reflection": "Late start"})
    assert response.status_code == 200, response.json_body
    body = response.json_body
    assert (body["score"], body["score_reason"], body["grade_colour"]) == (0.7, "", "green")
    assert stored(Objective, objective.pk).score == 0.7


def test_an_objective_with_an_ungraded_key_result_needs_a_score(
    company, api_as, clock, q4, objective
):
    graded = metric(company.alice, objective, value=200, title="Graded")
    metric(company.alice, objective, value=100, title="Not graded")
    end_cycle(company, clock, q4)
    alice = api_as(company.alice)
    alice.post(f"/key-results/{graded.pk}/grade", {"score": 1.0})
    assert alice.get(f"/objectives/{objective.pk}").json_body["suggested_score"] is None
    response = alice.post(f"/objectives/{objective.pk}/grade", {"reflection": "Late"})
    assert_names(response, "score")
    assert "1 of 2" in response.json_body["detail"]
    assert stored(Objective, objective.pk).score is None
    # With a score and a reason, it may be graded all the same.
    response = alice.post(
        f"/objectives/{objective.pk}/grade",
        {"score": 0.8, "reason": "The second one is nearly there", "reflection": "Late"},
    )
    assert response.status_code == 200, response.json_body
    assert response.json_body["score_reason"] == "The second one is nearly there"
    newest = alice.get(f"/objectives/{objective.pk}/history").json_body["items"][0]
    assert (newest["what"], newest["reason"]) == ("objective", "The second one is nearly there")


def test_an_objective_score_away_from_the_mean_needs_a_reason(
    company, api_as, clock, q4, objective
):
    kr = metric(company.alice, objective, value=120)
    end_cycle(company, clock, q4)
    alice = api_as(company.alice)
    alice.post(f"/key-results/{kr.pk}/grade", {"score": 0.6})
    response = alice.post(f"/objectives/{objective.pk}/grade", {"score": 0.8, "reflection": "Late"})
    assert_names(response, "reason")
    assert stored(Objective, objective.pk).score is None


def test_a_committed_objective_below_1_needs_a_reflection(company, api_as, clock, q4, objective):
    kr = metric(company.alice, objective, value=120)
    end_cycle(company, clock, q4)
    alice = api_as(company.alice)
    alice.post(f"/key-results/{kr.pk}/grade", {"score": 0.6})
    response = alice.post(f"/objectives/{objective.pk}/grade", {})
    assert_names(response, "reflection")
    assert stored(Objective, objective.pk).score is None
    response = alice.post(
        f"/objectives/{objective.pk}/grade", {"reflection": "The freeze cost us three weeks"}
    )
    assert response.status_code == 200, response.json_body
    body = response.json_body
    assert (body["score"], body["grade_colour"], body["grade_flags"]) == (
        0.6,
        "yellow",
        ["committed_short"],
    )
    assert body["reflection"] == "The freeze cost us three weeks"


def test_a_committed_objective_at_1_needs_no_reflection_and_has_no_flag(
    company, api_as, clock, q4, objective
):
    kr = metric(company.alice, objective, value=200)
    end_cycle(company, clock, q4)
    alice = api_as(company.alice)
    alice.post(f"/key-results/{kr.pk}/grade", {"score": 1.0})
    body = alice.post(f"/objectives/{objective.pk}/grade", {}).json_body
    assert (body["score"], body["grade_flags"]) == (1.0, [])


def test_an_aspirational_objective_at_1_is_flagged_as_maybe_not_ambitious(
    company, api_as, clock, q4, objective
):
    okrs.update_objective(company.alice, objective, {"kind": "aspirational"})
    kr = metric(company.alice, objective, value=200)
    end_cycle(company, clock, q4)
    alice = api_as(company.alice)
    alice.post(f"/key-results/{kr.pk}/grade", {"score": 1.0})
    response = alice.post(f"/objectives/{objective.pk}/grade", {})
    assert response.status_code == 200, response.json_body
    assert (response.json_body["score"], response.json_body["grade_flags"]) == (
        1.0,
        ["not_ambitious"],
    )


def test_an_aspirational_objective_below_1_needs_no_reflection(
    company, api_as, clock, q4, objective
):
    okrs.update_objective(company.alice, objective, {"kind": "aspirational"})
    kr = metric(company.alice, objective, value=60)
    end_cycle(company, clock, q4)
    alice = api_as(company.alice)
    alice.post(f"/key-results/{kr.pk}/grade", {"score": 0.3})
    body = alice.post(f"/objectives/{objective.pk}/grade", {}).json_body
    assert (body["score"], body["grade_colour"], body["grade_flags"]) == (0.3, "red", [])


@pytest.mark.parametrize(
    ("score", "colour"),
    [(1.0, "green"), (0.7, "green"), (0.6, "yellow"), (0.4, "yellow"), (0.3, "red"), (0.0, "red")],
)
def test_the_grade_colour(company, api_as, clock, q4, objective, score, colour):
    end_cycle(company, clock, q4)  # no key result: the suggestion is the progress, 0.0
    response = api_as(company.alice).post(
        f"/objectives/{objective.pk}/grade",
        {"score": score, "reason": "Judged by hand", "reflection": "What we learned"},
    )
    assert response.status_code == 200, response.json_body
    assert response.json_body["grade_colour"] == colour


def test_an_ungraded_objective_has_no_colour_and_no_flags(company, api_as, clock, q4, objective):
    end_cycle(company, clock, q4)
    body = api_as(company.alice).get(f"/objectives/{objective.pk}").json_body
    assert (body["score"], body["grade_colour"], body["grade_flags"]) == (None, None, [])


# Who grades ---------------------------------------------------------------------------------


def test_only_those_who_may_change_it_grade(company, api_as, clock, q4, objective):
    kr = metric(company.alice, objective, value=200)
    end_cycle(company, clock, q4)
    dave = api_as(company.dave)
    assert dave.post(f"/key-results/{kr.pk}/grade", {"score": 1.0}).status_code == 403
    assert dave.post(f"/objectives/{objective.pk}/grade", {"score": 0.0}).status_code == 403
    Objective.objects.filter(pk=objective.pk).update(visibility="private")
    assert dave.post(f"/key-results/{kr.pk}/grade", {"score": 1.0}).status_code == 404
    assert dave.post(f"/objectives/{objective.pk}/grade", {"score": 0.0}).status_code == 404
    assert stored(KeyResult, kr.pk).score is None
    assert stored(Objective, objective.pk).score is None


def test_the_key_results_owner_grades_it_but_not_the_objective(
    company, api_as, clock, q4, objective
):
    kr = metric(company.alice, objective, value=200, owner=company.bob)
    end_cycle(company, clock, q4)
    bob = api_as(company.bob)
    response = bob.post(f"/key-results/{kr.pk}/grade", {"score": 1.0})
    assert response.status_code == 200, response.json_body
    assert stored(KeyResult, kr.pk).score == 1.0
    assert bob.post(f"/objectives/{objective.pk}/grade", {}).status_code == 403


def test_the_owner_and_an_administrator_grade(company, api_as, clock, q4, objective):
    kr = metric(company.alice, objective, value=200)
    end_cycle(company, clock, q4)
    response = api_as(company.alice).post(f"/key-results/{kr.pk}/grade", {"score": 1.0})
    assert response.status_code == 200, response.json_body
    response = api_as(company.admin).post(f"/objectives/{objective.pk}/grade", {})
    assert response.status_code == 200, response.json_body
    assert response.json_body["score"] == 1.0


def test_a_draft_objective_is_not_graded(company, api_as, clock, q4, objective):
    kr = metric(company.alice, objective, value=200)
    okrs.update_objective(company.alice, objective, {"status": "draft"})
    end_cycle(company, clock, q4)
    alice = api_as(company.alice)
    assert_names(alice.post(f"/key-results/{kr.pk}/grade", {"score": 1.0}), "objective")
    assert_names(alice.post(f"/objectives/{objective.pk}/grade", {"score": 1.0}), "objective")
    assert stored(KeyResult, kr.pk).score is None
    assert stored(Objective, objective.pk).score is None


# PATCH with a score -------------------------------------------------------------------------


def test_patching_the_score_in_grading_follows_the_grading_rules(
    company, api_as, clock, q4, objective
):
    kr = metric(company.alice, objective, value=140)
    end_cycle(company, clock, q4)
    alice = api_as(company.alice)
    alice.post(f"/key-results/{kr.pk}/grade", {"score": 0.7})
    path = f"/objectives/{objective.pk}"
    assert_names(alice.patch(path, {"score": 0.9, "reflection": "Late"}), "reason")
    assert_names(alice.patch(path, {"score": 0.7}), "reflection")
    assert_names(alice.patch(path, {"score": 0.65, "reason": "x", "reflection": "y"}), "score")
    assert stored(Objective, objective.pk).score is None
    response = alice.patch(path, {"score": 0.9, "reason": "Tail done", "reflection": "Late"})
    assert response.status_code == 200, response.json_body
    body = response.json_body
    assert (body["score"], body["score_reason"], body["reflection"]) == (0.9, "Tail done", "Late")


def test_patching_a_score_outside_grading_is_refused(company, api_as, q4, objective):
    metric(company.alice, objective, value=200)
    response = api_as(company.alice).patch(
        f"/objectives/{objective.pk}", {"score": 1.0, "reason": "Done early"}
    )
    assert_names(response, "cycle")
    assert stored(Objective, objective.pk).score is None


def test_a_patch_refused_in_grading_writes_nothing_not_even_the_score(
    company, api_as, clock, q4, objective
):
    """A score and a title in one PATCH while graded: the title is refused, so the whole
    request must be — nothing half-written."""
    kr = metric(company.alice, objective, value=200)
    end_cycle(company, clock, q4)
    alice = api_as(company.alice)
    alice.post(f"/key-results/{kr.pk}/grade", {"score": 1.0})
    response = alice.patch(f"/objectives/{objective.pk}", {"score": 1.0, "title": "Renamed"})
    assert_names(response, "cycle")
    after = stored(Objective, objective.pk)
    assert (after.title, after.score) == ("Ship the scheduler", None)


def test_a_grade_is_not_wiped_by_a_null_score(company, api_as, clock, q4, objective):
    kr = metric(company.alice, objective, value=200)
    end_cycle(company, clock, q4)
    alice = api_as(company.alice)
    alice.post(f"/key-results/{kr.pk}/grade", {"score": 1.0})
    alice.post(f"/objectives/{objective.pk}/grade", {})
    assert stored(Objective, objective.pk).score == 1.0
    assert_names(alice.patch(f"/objectives/{objective.pk}", {"score": None}), "score")
    assert stored(Objective, objective.pk).score == 1.0
