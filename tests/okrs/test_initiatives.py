"""Initiatives, the service: who may plan the work under a key result, what it takes, and
how an objective counts it.

Alice owns "Ship the scheduler"; its key result "Jobs migrated" is Bob's (her manager), so
both plan its work. Carol (above them) may read it but not change it; Dave, in Sales, is
the outsider who never sees it once it is private.
"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from stretch import access
from stretch.errors import Conflict
from stretch.okrs import initiatives
from stretch.okrs import services as okrs
from stretch.okrs.models import Cycle, Initiative, Objective


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


def field_of(error: ValidationError) -> str:
    return next(iter(error.message_dict))


# Adding ---------------------------------------------------------------------------------------


def test_the_objective_owner_adds_an_initiative(company, kr):
    made = initiatives.create(
        company.alice,
        kr,
        title="  Move the cron jobs  ",
        owner=company.bob,
        due=date(2030, 1, 31),
        link="https://tracker.example/SCHED-1",
    )
    made.refresh_from_db()
    assert made.title == "Move the cron jobs"
    assert made.owner == company.bob
    assert made.status == Initiative.Status.TODO
    assert made.due == date(2030, 1, 31)
    assert made.link == "https://tracker.example/SCHED-1"
    assert made.version == 1


def test_the_key_results_owner_adds_one_too(company, kr):
    assert initiatives.create(company.bob, kr, title="Write the runbook").pk


def test_new_initiatives_go_to_the_end_of_the_list(company, kr):
    first = initiatives.create(company.alice, kr, title="First")
    second = initiatives.create(company.alice, kr, title="Second")
    assert (first.position, second.position) == (0, 1)
    assert [i.title for i in initiatives.for_key_result(company.carol, kr)] == ["First", "Second"]


def test_a_lead_of_the_owning_team_plans_a_team_objectives_work(company):
    team_objective = okrs.create_objective(
        company.bob, cycle=company.quarter, title="Platform", owner_person=None,
        owner_team=company.platform,
    )  # fmt: skip
    team_kr = okrs.create_key_result(company.bob, team_objective, title="Uptime", target=1)
    assert initiatives.create(company.bob, team_kr, title="Add a replica").pk
    with pytest.raises(PermissionDenied):
        initiatives.create(company.alice, team_kr, title="A member is not a lead")


def test_someone_who_may_only_read_it_is_refused(company, kr):
    with pytest.raises(PermissionDenied):
        initiatives.create(company.carol, kr, title="Carol's idea")
    assert not Initiative.objects.exists()


def test_an_outsider_of_a_private_objective_finds_nothing(company, objective, kr):
    okrs.update_objective(company.alice, objective, {"visibility": "private"})
    objective.refresh_from_db()
    kr.refresh_from_db()
    with pytest.raises(Http404):
        initiatives.create(company.dave, kr, title="Peek")
    with pytest.raises(Http404):
        initiatives.for_key_result(company.dave, kr)
    with pytest.raises(Http404):
        initiatives.for_objective(company.dave, objective)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"status": "blocked"}, "status"),
        ({"due": "next friday"}, "due"),
        ({"due": "2026-02-30"}, "due"),
        ({"due": 20261130}, "due"),
        ({"link": "javascript:alert(1)"}, "link"),
        ({"link": "ftp://files.example/plan"}, "link"),
        ({"link": "tracker/SCHED-1"}, "link"),
        ({"link": "https://" + "a" * 500 + ".example"}, "link"),
    ],
)
def test_it_refuses_bad_input_naming_the_field(company, kr, fields, field):
    with pytest.raises(ValidationError) as refused:
        initiatives.create(company.alice, kr, **{"title": "Plan", **fields})
    assert field_of(refused.value) == field
    assert not Initiative.objects.exists()


def test_a_title_of_300_characters_is_fine(company, kr):
    assert initiatives.create(company.alice, kr, title="x" * 300).pk


def test_a_due_date_may_be_given_as_iso_text(company, kr):
    made = initiatives.create(company.alice, kr, title="Plan", due="2030-05-01")
    assert made.due == date(2030, 5, 1)


def test_the_owner_must_be_an_active_person(company, kr):
    company.dave.is_active = False
    company.dave.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as refused:
        initiatives.create(company.alice, kr, title="Plan", owner=company.dave)
    assert field_of(refused.value) == "owner"


def test_the_owner_must_see_a_private_objective(company, objective, kr):
    okrs.update_objective(company.alice, objective, {"visibility": "private"})
    kr.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        initiatives.create(company.alice, kr, title="Plan", owner=company.dave)
    assert field_of(refused.value) == "owner"
    assert "Dave" in refused.value.message_dict["owner"][0]


def test_a_closed_objective_takes_no_more_changes(company, objective, kr):
    made = initiatives.create(company.alice, kr, title="Plan")
    Objective.objects.filter(pk=objective.pk).update(status=Objective.Status.CLOSED)
    kr.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        initiatives.create(company.alice, kr, title="Too late")
    assert field_of(refused.value) == "objective"
    with pytest.raises(ValidationError):
        initiatives.update(company.alice, made, status="done")
    with pytest.raises(ValidationError):
        initiatives.delete(company.alice, made)
    assert not initiatives.can_change(company.alice, kr)


def test_a_closed_cycle_takes_no_more_changes(company, kr):
    made = initiatives.create(company.alice, kr, title="Plan")
    Cycle.objects.filter(pk=company.quarter.pk).update(status=Cycle.Status.CLOSED)
    with pytest.raises(ValidationError) as refused:
        initiatives.update(company.alice, made, status="done")
    assert field_of(refused.value) == "objective"


# Changing -------------------------------------------------------------------------------------


def test_an_update_changes_the_fields_and_moves_the_version_on(company, kr):
    made = initiatives.create(company.alice, kr, title="Plan", link="https://a.example")
    changed = initiatives.update(
        company.bob, made, version=1, status="doing", due=None, link="", owner=company.alice
    )
    changed.refresh_from_db()
    assert (changed.status, changed.owner, changed.link, changed.version) == (
        "doing",
        company.alice,
        "",
        2,
    )


def test_it_refuses_a_stale_version(company, kr):
    made = initiatives.create(company.alice, kr, title="Plan")
    initiatives.update(company.bob, made, status="doing")
    with pytest.raises(Conflict) as conflict:
        initiatives.update(company.alice, made, version=1, status="done")
    assert conflict.value.current.version == 2
    made.refresh_from_db()
    assert made.status == "doing"


def test_an_update_validates_like_creating(company, kr):
    made = initiatives.create(company.alice, kr, title="Plan")
    for changes, field in [({"status": "later"}, "status"), ({"link": "javascript:x"}, "link")]:
        with pytest.raises(ValidationError) as refused:
            initiatives.update(company.alice, made, **changes)
        assert field_of(refused.value) == field
    with pytest.raises(ValidationError) as refused:
        initiatives.update(company.alice, made, colour="red")
    assert field_of(refused.value) == "colour"


def test_a_reader_may_not_change_or_delete_one(company, kr):
    made = initiatives.create(company.alice, kr, title="Plan")
    with pytest.raises(PermissionDenied):
        initiatives.update(company.carol, made, status="done")
    with pytest.raises(PermissionDenied):
        initiatives.delete(company.carol, made)
    assert Initiative.objects.get(pk=made.pk).status == "todo"


def test_deleting_removes_it(company, kr):
    made = initiatives.create(company.alice, kr, title="Plan")
    initiatives.delete(company.bob, made)
    assert not Initiative.objects.exists()


def test_reorder_puts_the_named_first_and_keeps_the_rest(company, kr):
    a, b, c = (initiatives.create(company.alice, kr, title=t) for t in "abc")
    initiatives.reorder(company.alice, kr, [c.pk, a.pk])
    assert [i.title for i in initiatives.for_key_result(company.alice, kr)] == ["c", "a", "b"]
    with pytest.raises(ValidationError) as refused:
        initiatives.reorder(company.alice, kr, [a.pk, 10**9])
    assert field_of(refused.value) == "order"
    with pytest.raises(PermissionDenied):
        initiatives.reorder(company.carol, kr, [b.pk])


# Counting -------------------------------------------------------------------------------------


def test_counts_leave_dropped_ones_out_of_the_open_work(company, objective, kr):
    other = okrs.create_key_result(company.alice, objective, title="Jobs retried", target=1)
    for title, status, where in [
        ("a", "done", kr),
        ("b", "done", other),
        ("c", "doing", kr),
        ("d", "todo", other),
        ("e", "dropped", kr),
    ]:
        initiatives.create(company.alice, where, title=title, status=status)
    empty = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Nothing planned", owner_person=company.alice
    )
    counts = initiatives.counts_for([objective.pk, empty.pk])
    assert counts == {objective.pk: (2, 2, 5)}
    assert counts[objective.pk].dropped == 1 and counts[objective.pk].planned == 4
    assert counts.get(empty.pk, initiatives.NONE) == (0, 0, 0)
    listed = initiatives.for_objective(company.carol, objective)
    assert initiatives.count(listed[kr.pk]) == (1, 1, 3)


def test_counts_take_one_query_for_many_objectives(company, django_assert_num_queries):
    ids = []
    for n in range(5):
        objective = okrs.create_objective(
            company.alice, cycle=company.quarter, title=f"O{n}", owner_person=company.alice
        )
        kr = okrs.create_key_result(company.alice, objective, title="K", target=1)
        initiatives.create(company.alice, kr, title="I", status="done")
        ids.append(objective.pk)
    with django_assert_num_queries(1):
        counts = initiatives.counts_for(ids)
    assert all(counts[pk] == (1, 0, 1) for pk in ids)


@pytest.mark.parametrize(
    ("status", "days", "overdue"),
    [
        ("todo", -1, True),
        ("doing", -1, True),
        ("done", -1, False),
        ("dropped", -1, False),
        ("todo", 0, False),
        ("todo", 3, False),
    ],
)
def test_overdue_is_past_its_day_and_not_finished(company, kr, status, days, overdue):
    today = date(2030, 6, 1)
    made = Initiative(key_result=kr, title="x", status=status, due=today + timedelta(days=days))
    assert initiatives.is_overdue(made, today) is overdue
    assert initiatives.is_overdue(Initiative(key_result=kr, title="x"), today) is False


def test_can_change_follows_the_rule_and_the_objectives_state(company, objective, kr):
    assert initiatives.can_change(company.bob, kr)
    assert not initiatives.can_change(company.carol, kr)
    okrs.update_objective(company.alice, objective, {"visibility": "private"})
    kr.refresh_from_db()
    assert not initiatives.can_change(company.dave, kr)


def test_the_rule_is_the_key_results_owner_or_an_editor_of_the_objective(company, kr):
    assert access.can_edit_initiatives(company.alice, kr)
    assert access.can_edit_initiatives(company.bob, kr)
    assert access.can_edit_initiatives(company.admin, kr)
    assert not access.can_edit_initiatives(company.carol, kr)
    assert not access.can_edit_initiatives(company.dave, kr)
