"""Carrying an unfinished objective over into the next cycle, in the service, the API and
the objective page."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle, KeyResult, Objective
from stretch.reviews import services
from tests.conftest import Api
from tests.helpers import client_for
from tests.reviews.test_reviews_helpers import (
    BEFORE_Q1,
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
    return company


@pytest.fixture
def unfinished(q1):
    """alice's objective at the close of Q1: a metric part-way, one past its target, a
    milestone with one of two steps done, a range, and a metric never checked in."""
    with at(BEFORE_Q1):
        parent = okrs.create_objective(
            q1.admin, cycle=q1.y2026, title="Reliable platform", owner_team=q1.root
        )
    objective, krs = objective_with_key_results(
        q1.alice,
        q1.q1,
        {"title": "Deploys per week", "start": 2, "target": 20, "unit": "deploys", "weight": 2},
        {"title": "Incidents", "direction": "decrease", "start": 10, "target": 4},
        {"title": "Runbook", "kind": "milestone", "steps": [{"title": "Draft"}, {"title": "Publish", "weight": 3}]},
        {"title": "Latency", "direction": "range", "range_low": 100, "range_high": 200, "unit": "ms"},
        {"title": "Adoption", "start": 5, "target": 50},
        description="Why it matters",
        strategy="Automate the boring parts",
        kind="aspirational",
        parent=parent,
        pillar=q1.pillar,
    )  # fmt: skip
    deploys, incidents, runbook, latency, _adoption = krs
    check_in_weeks(q1.alice, deploys, range(12), value=11)
    check_in_weeks(q1.alice, incidents, [2, 6, 10], value=3)  # past its target of 4
    with at(week_day(4)):
        okrs.check_in(q1.alice, runbook, steps=[runbook.steps.get(title="Draft").pk])
        okrs.check_in(q1.alice, latency, value=150)
    set_phase(q1.q1, Cycle.Status.GRADING)
    objective.refresh_from_db()
    return objective


def test_the_copy_says_the_same_and_each_key_result_starts_where_it_ended(q1, unfinished):
    with at(IN_GRADING):
        copy = services.carry_over(q1.alice, unfinished, q1.q2)
    assert copy.cycle == q1.q2 and copy.origin == unfinished
    for name in ("title", "description", "strategy", "kind", "visibility", "owner_person_id"):
        assert getattr(copy, name) == getattr(unfinished, name)
    assert copy.pillar == q1.pillar
    assert copy.parent == unfinished.parent  # the year 2026 covers Q2
    new = {kr.title: kr for kr in copy.key_results.all()}
    old = {kr.title: kr for kr in unfinished.key_results.all()}
    # "Incidents" reached its target (3 against 4): nothing left to carry.
    assert list(new) == ["Deploys per week", "Runbook", "Latency", "Adoption"]
    deploys = new["Deploys per week"]
    assert (deploys.start, deploys.target, deploys.unit, deploys.weight) == (11, 20, "deploys", 2)
    assert deploys.current is None and deploys.owner == q1.alice
    assert new["Adoption"].start == 5  # never checked in: its old start
    assert [(s.title, s.weight, s.done) for s in new["Runbook"].steps.all()] == [
        ("Publish", 3, False)
    ]
    latency = new["Latency"]
    assert (latency.direction, latency.range_low, latency.range_high) == ("range", 100, 200)
    for title, kr in new.items():
        assert kr.origin == old[title]
    assert list(KeyResult.objects.filter(carried_to__isnull=False).distinct()) == sorted(
        (old[t] for t in new), key=lambda kr: (kr.position, kr.pk)
    )
    # The history of the copy says who made it, born with its origin.
    created = Objective.history.filter(id=copy.pk).earliest("history_date")
    assert created.history_user == q1.alice and created.origin_id == unfinished.pk


def test_the_parent_is_kept_only_when_its_cycle_covers_the_new_one(q1):
    with at(BEFORE_Q1):
        quarter_parent = okrs.create_objective(
            q1.admin, cycle=q1.q1, title="Quarter goal", owner_team=q1.root
        )
    objective, _krs = objective_with_key_results(q1.alice, q1.q1, parent=quarter_parent)
    set_phase(q1.q1, "closed")
    objective.refresh_from_db()
    copy = services.carry_over(q1.alice, objective, q1.q2)
    assert copy.parent is None


def test_carrying_over_is_refused_with_the_field_named(q1, unfinished):
    def refused(objective, cycle, actor=q1.alice):
        with pytest.raises(ValidationError) as error:
            services.carry_over(actor, objective, cycle)
        return error.value.message_dict

    before = Objective.objects.count()
    assert "cycle" in refused(unfinished, q1.q1)  # not a later cycle
    assert "cycle" in refused(unfinished, q1.y2026)  # started before Q1 ended
    set_phase(q1.q2, "closed")
    assert "closed" in refused(unfinished, q1.q2)["cycle"][0]
    set_phase(q1.q2, "grading")
    assert "cycle" in refused(unfinished, q1.q2)
    set_phase(q1.q2, "planning")
    services.carry_over(q1.alice, unfinished, q1.q2)
    assert "already" in refused(unfinished, q1.q2)["cycle"][0]
    assert Objective.objects.count() == before + 1

    active, _krs = objective_with_key_results(q1.alice, q1.y2026, title="Still running")
    assert "objective" in refused(active, q1.q2)  # its cycle is not closing

    set_phase(q1.q1, "active")
    finished, _krs = objective_with_key_results(q1.alice, q1.q1, title="Done")
    set_phase(q1.q1, "grading")
    Objective.objects.filter(pk=finished.pk).update(score=1.0)
    finished.refresh_from_db()
    assert "finished" in refused(finished, q1.q2)["objective"][0]


def test_a_fully_achieved_objective_is_finished_even_ungraded(q1):
    objective, (kr,) = objective_with_key_results(q1.alice, q1.q1)
    check_in_weeks(q1.alice, kr, [3], value=100)
    set_phase(q1.q1, "grading")
    objective.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.carry_over(q1.alice, objective, q1.q2)
    assert "objective" in error.value.message_dict
    # Graded below 1.0 by judgement, it is unfinished and carried (its reached KR is not).
    Objective.objects.filter(pk=objective.pk).update(score=0.9)
    copy = services.carry_over(q1.alice, objective, q1.q2)
    assert copy.key_results.count() == 0


def test_only_those_who_may_change_the_objective_carry_it_over(q1, unfinished):
    with pytest.raises(PermissionDenied):
        services.carry_over(q1.bob, unfinished, q1.q2)
    Objective.objects.filter(pk=unfinished.pk).update(visibility="private")
    unfinished.refresh_from_db()
    with pytest.raises(Http404):
        services.carry_over(q1.dave, unfinished, q1.q2)
    assert services.carry_over(q1.admin, unfinished, q1.q2).owner_person == q1.alice


def test_nothing_is_half_written_when_a_key_result_fails(q1, unfinished, monkeypatch):
    real = okrs.create_key_result
    calls = []

    def failing(actor, objective, **fields):
        calls.append(fields["title"])
        if len(calls) == 2:
            raise ValidationError({"title": "boom"})
        return real(actor, objective, **fields)

    monkeypatch.setattr(okrs, "create_key_result", failing)
    count = (Objective.objects.count(), KeyResult.objects.count())
    with pytest.raises(ValidationError):
        services.carry_over(q1.alice, unfinished, q1.q2)
    assert (Objective.objects.count(), KeyResult.objects.count()) == count


def test_the_candidates_are_the_unfinished_objectives_one_may_change(q1, unfinished):
    set_phase(q1.q1, "active")
    done, _krs = objective_with_key_results(q1.alice, q1.q1, title="Done")
    objective_with_key_results(q1.platform, q1.q1, actor=q1.bob, title="Team goal")
    set_phase(q1.q1, "grading")
    Objective.objects.filter(pk=done.pk).update(score=1.0)
    assert [o.title for o in services.carry_over_candidates(q1.alice, q1.q1)] == [unfinished.title]
    assert [o.title for o in services.carry_over_candidates(q1.bob, q1.q1)] == ["Team goal"]
    assert services.carry_over_candidates(q1.dave, q1.q1) == []
    services.carry_over(q1.alice, unfinished, q1.q2)
    (candidate,) = services.carry_over_candidates(q1.alice, q1.q1)
    assert candidate.carried_into == {q1.q2.pk}
    assert services.carry_over_candidates(q1.alice, q1.y2026) == []  # not closing
    assert services.next_cycle(q1.q1) == q1.q2


def test_the_next_cycle_is_the_soonest_of_a_similar_length(q1):
    with at(BEFORE_Q1):
        okrs.create_cycle(
            q1.admin, name="H2 2026", start=q1.q2.start, end=q1.q2.start.replace(month=9, day=27)
        )
    assert services.next_cycle(q1.q1) == q1.q2


# The API -------------------------------------------------------------------------------------


def test_the_api_answers_201_with_the_new_objectives_id_url_and_data(q1, unfinished):
    answer = Api(q1.alice).post(f"/objectives/{unfinished.pk}/carry-over", {"cycle": q1.q2.pk})
    assert answer.status_code == 201, answer.json_body
    body = answer.json_body
    assert body["url"] == f"/objectives/{body['id']}/"
    assert body["objective"]["cycle"] == q1.q2.pk
    starts = {kr["title"]: kr["start"] for kr in body["objective"]["key_results"]}
    assert starts["Deploys per week"] == 11
    assert Objective.objects.get(pk=body["id"]).origin_id == unfinished.pk


def test_the_api_lists_what_one_may_carry_over_and_where_it_goes(q1, unfinished):
    answer = Api(q1.alice).get(f"/cycles/{q1.q1.pk}/carry-over")
    assert answer.status_code == 200
    assert answer.json_body["next_cycle"] == q1.q2.pk
    [item] = answer.json_body["items"]
    assert (item["id"], item["carried_into"]) == (unfinished.pk, [])
    Api(q1.alice).post(f"/objectives/{unfinished.pk}/carry-over", {"cycle": q1.q2.pk})
    [item] = Api(q1.alice).get(f"/cycles/{q1.q1.pk}/carry-over").json_body["items"]
    assert item["carried_into"] == [q1.q2.pk]
    assert Api(q1.dave).get(f"/cycles/{q1.q1.pk}/carry-over").json_body["items"] == []
    assert Api(q1.alice).get("/cycles/999999/carry-over").status_code == 404


def test_the_api_refuses_with_a_clear_4xx(q1, unfinished):
    alice = Api(q1.alice)
    path = f"/objectives/{unfinished.pk}/carry-over"
    unknown = alice.post(path, {"cycle": 99999})
    missing = alice.post(path, {})
    same = alice.post(path, {"cycle": q1.q1.pk})
    forbidden = Api(q1.bob).post(path, {"cycle": q1.q2.pk})
    assert (unknown.status_code, unknown.json_body["field"]) == (400, "cycle")
    assert missing.status_code == 422
    assert (same.status_code, same.json_body["field"]) == (400, "cycle")
    assert forbidden.status_code == 403
    Objective.objects.filter(pk=unfinished.pk).update(visibility="private")
    assert Api(q1.dave).post(path, {"cycle": q1.q2.pk}).status_code == 404
    assert not Objective.objects.filter(origin=unfinished).exists()


# The page ------------------------------------------------------------------------------------


def test_the_objective_page_offers_the_carry_over_and_it_leads_to_the_copy(q1, unfinished):
    page = client_for(q1.alice).get(f"/objectives/{unfinished.pk}/").content.decode()
    assert "Carry over to Q2 2026" in page
    assert (
        "Carry over to"
        not in client_for(q1.dave).get(f"/objectives/{unfinished.pk}/").content.decode()
    )

    alice = client_for(q1.alice)
    answer = alice.post(f"/objectives/{unfinished.pk}/carry-over/", {"cycle": q1.q2.pk})
    copy = Objective.objects.get(origin=unfinished)
    assert answer.status_code == 302 and answer["Location"] == f"/objectives/{copy.pk}/"
    new_page = alice.get(answer["Location"]).content.decode()
    assert "Carried over from" in new_page and "is carried over into Q2 2026" in new_page
    old_page = client_for(q1.alice).get(f"/objectives/{unfinished.pk}/").content.decode()
    assert "Carry over to Q2 2026" not in old_page
    assert f'href="/objectives/{copy.pk}/">Q2 2026</a>' in old_page


def test_a_refused_carry_over_says_why_on_the_page(q1, unfinished):
    client = client_for(q1.alice)
    answer = client.post(
        f"/objectives/{unfinished.pk}/carry-over/", {"cycle": q1.y2026.pk}, follow=True
    )
    assert answer.redirect_chain[-1][0] == f"/objectives/{unfinished.pk}/"
    assert "2026 does not start after Q1 2026 ends" in answer.content.decode()
    assert not Objective.objects.filter(origin=unfinished).exists()
    htmx = client.post(
        f"/objectives/{unfinished.pk}/carry-over/",
        {"cycle": q1.q2.pk},
        headers={"HX-Request": "true"},
    )
    assert htmx.status_code == 200 and htmx["HX-Redirect"].startswith("/objectives/")
    assert (
        client_for(q1.dave)
        .post(f"/objectives/{unfinished.pk}/carry-over/", {"cycle": q1.q2.pk})
        .status_code
        == 403
    )
