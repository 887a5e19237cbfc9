"""Writing reviews: who, when, once per subject and kind, and the end-of-cycle diagnosis
drawn from real check-ins under a controlled clock."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from stretch.errors import Conflict
from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle, Objective
from stretch.org.models import Team
from stretch.reviews import services
from stretch.reviews.models import Review
from tests.reviews.test_reviews_helpers import (
    IN_GRADING,
    at,
    check_in_weeks,
    make_cycles,
    objective_with_key_results,
    set_phase,
    week_day,
)

TEXTS = {"went_well": "We shipped the queue.", "learned": "Small steps work."}


@pytest.fixture
def q1(company):
    company.q1, company.q2, company.y2026 = make_cycles(company.admin)
    return company


def review(actor, objective, kind="mid", **texts):
    return services.write_review(
        actor, objective=objective, cycle=objective.cycle, kind=kind, **(texts or TEXTS)
    )


# Who may write -------------------------------------------------------------------------------


def test_the_owner_and_an_administrator_review_an_objective_others_may_not(q1):
    objective, _krs = objective_with_key_results(q1.alice, q1.q1)
    with at(week_day(5)):
        written = review(q1.alice, objective)
        assert written.author == q1.alice
        assert written.went_well == "We shipped the queue."
        services.write_review(
            q1.admin,
            objective=objective,
            cycle=q1.q1,
            kind="mid",
            went_badly="Too many meetings.",
            expected_version=written.version,
        )
        for outsider in (q1.bob, q1.dave):  # bob manages alice but does not own it
            with pytest.raises(PermissionDenied):
                services.update_review(outsider, written, {"learned": "x"})
    stored = Review.objects.get()
    assert stored.went_badly == "Too many meetings."
    assert stored.learned == ""  # the admin's write replaced the answers


def test_a_team_is_reviewed_by_its_leads_and_administrators(q1):
    with at(week_day(5)):
        services.write_review(q1.bob, team=q1.platform, cycle=q1.q1, kind="mid", **TEXTS)
        with pytest.raises(PermissionDenied):
            services.write_review(q1.alice, team=q1.platform, cycle=q1.q1, kind="mid", **TEXTS)
        with pytest.raises(PermissionDenied):
            services.write_review(q1.dave, team=q1.platform, cycle=q1.q1, kind="mid", **TEXTS)
        services.write_review(q1.admin, team=q1.sales, cycle=q1.q1, kind="mid", **TEXTS)
    assert Review.objects.count() == 2


def test_a_private_objective_is_not_found_by_an_outsider(q1):
    objective, _krs = objective_with_key_results(q1.alice, q1.q1, visibility="private")
    with at(week_day(5)):
        written = review(q1.alice, objective)
        with pytest.raises(Http404):
            review(q1.dave, objective)
        with pytest.raises(Http404):
            services.get_review_for_user(q1.dave, written.pk)
    assert services.get_review_for_user(q1.bob, written.pk) == written  # her manager reads it
    assert list(services.reviews_visible_to(q1.dave)) == []


# When ----------------------------------------------------------------------------------------


def test_a_mid_review_is_written_while_the_cycle_is_active_only(q1):
    objective, _krs = objective_with_key_results(q1.alice, q1.q1)
    for phase in ("planning", "grading", "closed"):
        set_phase(q1.q1, phase)
        objective.cycle.refresh_from_db()
        with pytest.raises(ValidationError) as refused:
            review(q1.alice, objective, "mid")
        assert "cycle" in refused.value.message_dict
    set_phase(q1.q1, "active")
    objective.cycle.refresh_from_db()
    assert review(q1.alice, objective, "mid").kind == "mid"


def test_a_final_review_is_written_in_grading_or_once_closed(q1):
    objective, _krs = objective_with_key_results(q1.alice, q1.q1)
    for phase in ("planning", "active"):
        set_phase(q1.q1, phase)
        objective.cycle.refresh_from_db()
        with pytest.raises(ValidationError) as refused:
            review(q1.alice, objective, "final")
        assert "being graded" in refused.value.message_dict["cycle"][0]
    set_phase(q1.q1, "grading")
    objective.cycle.refresh_from_db()
    with at(IN_GRADING):
        first = review(q1.alice, objective, "final")
    set_phase(q1.q1, "closed")
    objective.cycle.refresh_from_db()
    with at(IN_GRADING):
        again = services.update_review(q1.alice, first, {"change_next": "Fewer KRs."})
    assert again.pk == first.pk and again.change_next == "Fewer KRs."


def test_an_objectives_review_is_about_its_own_cycle(q1):
    objective, _krs = objective_with_key_results(q1.alice, q1.q1)
    with at(week_day(5)), pytest.raises(ValidationError) as refused:
        services.write_review(q1.alice, objective=objective, cycle=q1.y2026, kind="mid", **TEXTS)
    assert "cycle" in refused.value.message_dict


# What ----------------------------------------------------------------------------------------


def test_a_review_needs_at_least_one_answer_and_nothing_is_written_without(q1):
    objective, _krs = objective_with_key_results(q1.alice, q1.q1)
    with at(week_day(5)), pytest.raises(ValidationError) as refused:
        services.write_review(
            q1.alice,
            objective=objective,
            cycle=q1.q1,
            kind="mid",
            went_well="  ",
            went_badly="\n",
            learned="",
            change_next="",
        )
    assert "went_well" in refused.value.message_dict
    assert Review.objects.count() == 0
    assert Review.history.count() == 0


def test_a_review_must_be_about_exactly_one_subject(q1):
    objective, _krs = objective_with_key_results(q1.alice, q1.q1)
    with pytest.raises(ValidationError) as refused:
        services.write_review(q1.admin, cycle=q1.q1, kind="mid", **TEXTS)
    assert "objective" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.write_review(
            q1.admin, objective=objective, team=q1.platform, cycle=q1.q1, kind="mid", **TEXTS
        )
    with pytest.raises(ValidationError) as refused:
        services.write_review(q1.admin, team=q1.platform, cycle=q1.q1, kind="later", **TEXTS)
    assert "kind" in refused.value.message_dict


# Once per subject, cycle and kind ------------------------------------------------------------


def test_there_is_one_review_per_subject_cycle_and_kind_and_editing_updates_it(q1):
    objective, _krs = objective_with_key_results(q1.alice, q1.q1)
    with at(week_day(5)):
        first = review(q1.alice, objective)
        with pytest.raises(Conflict) as conflict:
            review(q1.alice, objective, went_well="A second one?")  # without reading the first
        assert conflict.value.current.pk == first.pk
        with pytest.raises(Conflict):
            services.write_review(
                q1.alice,
                objective=objective,
                cycle=q1.q1,
                kind="mid",
                went_well="stale",
                expected_version=first.version + 5,
            )
        edited = services.update_review(
            q1.alice, first, {"went_well": "Better."}, expected_version=first.version
        )
    assert Review.objects.count() == 1
    assert edited.version == first.version + 1
    assert edited.went_well == "Better." and edited.learned == "Small steps work."
    assert [h.went_well for h in Review.history.order_by("history_date")] == [
        "We shipped the queue.",
        "Better.",
    ]
    assert Review.history.order_by("history_date").last().history_user == q1.alice


def test_the_database_refuses_a_second_review_and_a_review_of_two_subjects(q1):
    objective, _krs = objective_with_key_results(q1.alice, q1.q1)
    Review.objects.create(objective=objective, cycle=q1.q1, kind="mid", went_well="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(objective=objective, cycle=q1.q1, kind="mid", went_well="b")
    Review.objects.create(team=q1.platform, cycle=q1.q1, kind="mid", went_well="a")
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(team=q1.platform, cycle=q1.q1, kind="mid", went_well="b")
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            objective=objective, team=q1.sales, cycle=q1.q1, kind="final", went_well="c"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(cycle=q1.q1, kind="final", went_well="d")
    # The final review of the same objective is another review.
    Review.objects.create(objective=objective, cycle=q1.q1, kind="final", went_well="e")
    assert Review.objects.count() == 3


# The diagnosis -------------------------------------------------------------------------------


def final(actor, objective):
    set_phase(objective.cycle, Cycle.Status.GRADING)
    objective.refresh_from_db()
    with at(IN_GRADING):
        return review(actor, objective, "final")


def test_a_low_score_with_a_good_rhythm_points_to_the_strategy(q1):
    objective, (kr,) = objective_with_key_results(q1.alice, q1.q1)
    check_in_weeks(q1.alice, kr, [w for w in range(12) if w != 6], value=30)
    Objective.objects.filter(pk=objective.pk).update(score=0.3)
    written = final(q1.alice, objective)
    assert written.diagnosis == "strategy"
    assert written.diagnosis_data["checked"] == 11
    assert written.diagnosis_data["periods"] == 12
    assert written.explanation == (
        "A score of 0.3 with check-ins in 11 of 12 weeks: the plan was followed and "
        "tracked, so look at the strategy — the bet did not pay off."
    )


def test_a_low_score_with_a_poor_rhythm_points_to_the_execution(q1):
    objective, (kr,) = objective_with_key_results(q1.alice, q1.q1)
    check_in_weeks(q1.alice, kr, [0, 1, 5, 9], value=20)
    written = final(q1.alice, objective)  # not graded: its progress counts
    assert written.diagnosis == "execution"
    assert "progress of 20% (not graded yet)" in written.explanation
    assert "only check-ins in 4 of 12 weeks" in written.explanation
    assert "look at the execution" in written.explanation


def test_a_score_of_seven_tenths_is_achieved(q1):
    objective, (kr,) = objective_with_key_results(q1.alice, q1.q1)
    check_in_weeks(q1.alice, kr, [3], value=80)
    Objective.objects.filter(pk=objective.pk).update(score=0.8)
    written = final(q1.alice, objective)
    assert written.diagnosis == "on_track"
    assert "score of 0.8 with check-ins in 1 of 12 weeks" in written.explanation


def test_the_rhythm_counts_every_key_result(q1):
    objective, (kr1, _other) = objective_with_key_results(q1.alice, q1.q1, {}, {"title": "Other"})
    check_in_weeks(q1.alice, kr1, range(12), value=40)  # the other is never checked in
    written = final(q1.alice, objective)
    assert written.diagnosis_data["checked"] == 12
    assert written.diagnosis_data["periods"] == 24
    assert written.diagnosis == "execution"  # half of the due check-ins
    assert "12 of 24 weeks (counted per key result, over 2 key results)" in written.explanation


def test_a_key_result_added_mid_cycle_is_due_from_then_on(q1):
    objective, (kr,) = objective_with_key_results(q1.alice, q1.q1)
    check_in_weeks(q1.alice, kr, range(12), value=30)
    with at(week_day(8)):
        late = okrs.create_key_result(q1.alice, objective, title="Late", start=0, target=10)
    check_in_weeks(q1.alice, late, [8, 9, 10, 11], value=2)
    written = final(q1.alice, objective)
    assert (written.diagnosis_data["checked"], written.diagnosis_data["periods"]) == (16, 16)
    assert written.diagnosis == "strategy"


def test_a_biweekly_team_is_due_every_other_week(q1):
    Team.objects.filter(pk=q1.platform.pk).update(check_in_cadence="biweekly")
    objective, (kr,) = objective_with_key_results(q1.alice, q1.q1)
    check_in_weeks(q1.alice, kr, range(12), value=10)
    written = final(q1.alice, objective)
    assert written.diagnosis_data["periods"] == 6
    assert written.diagnosis_data["checked"] == 6
    assert "check-ins in 6 of 6 two-week periods" in written.explanation


def test_an_objective_without_key_results_has_not_enough_data(q1):
    with at(IN_GRADING.replace(month=1, day=2)):
        objective = okrs.create_objective(
            q1.alice, cycle=q1.q1, title="No measures", owner_person=q1.alice
        )
    written = final(q1.alice, objective)
    assert written.diagnosis == "not_enough_data"
    assert "no key results to judge the check-in rhythm by" in written.explanation


def test_the_diagnosis_is_drawn_again_at_every_submission(q1):
    objective, (kr,) = objective_with_key_results(q1.alice, q1.q1)
    check_in_weeks(q1.alice, kr, range(12), value=30)
    written = final(q1.alice, objective)
    assert written.diagnosis == "strategy"
    Objective.objects.filter(pk=objective.pk).update(score=0.9)  # graded meanwhile
    with at(IN_GRADING):
        again = services.update_review(q1.alice, written, {}, expected_version=written.version)
    assert again.diagnosis == "on_track"


def test_a_mid_review_has_no_diagnosis(q1):
    objective, (kr,) = objective_with_key_results(q1.alice, q1.q1)
    check_in_weeks(q1.alice, kr, [0, 1], value=5)
    with at(week_day(6)):
        written = review(q1.alice, objective, "mid")
    assert written.diagnosis == "" and written.explanation == ""


def test_a_team_review_is_diagnosed_over_the_teams_objectives(q1):
    first, (kr1,) = objective_with_key_results(q1.platform, q1.q1, actor=q1.bob, title="One")
    second, (kr2,) = objective_with_key_results(q1.platform, q1.q1, actor=q1.bob, title="Two")
    hidden, (kr3,) = objective_with_key_results(
        q1.platform, q1.q1, actor=q1.bob, title="Hidden", visibility="private"
    )
    for kr in (kr1, kr2, kr3):
        check_in_weeks(q1.bob, kr, range(10), value=20)
    Objective.objects.filter(pk__in=[first.pk, second.pk]).update(score=0.2)
    Objective.objects.filter(pk=hidden.pk).update(score=0.9)
    set_phase(q1.q1, "grading")
    with at(IN_GRADING):
        written = services.write_review(
            q1.bob, team=q1.platform, cycle=q1.q1, kind="final", **TEXTS
        )
    # The whole company reads a team review: a private objective is neither named nor
    # counted, or its score could be worked out from the mean.
    assert written.diagnosis == "strategy"  # 20 of 24 due check-ins
    assert written.explanation.startswith(
        "A mean score of 0.2 over 2 objectives with check-ins in 20 of 24 weeks"
    )
    assert "Hidden" not in written.explanation


def test_a_team_without_objectives_has_not_enough_data(q1):
    set_phase(q1.q1, "grading")
    with at(IN_GRADING):
        written = services.write_review(q1.admin, team=q1.sales, cycle=q1.q1, kind="final", **TEXTS)
    assert written.diagnosis == "not_enough_data"
    assert "no objectives" in written.explanation
