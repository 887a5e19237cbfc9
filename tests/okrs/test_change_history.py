"""The change history on the objective page: who created, changed or deleted the objective or
one of its key results, and each field from what to what."""

import re
from html import unescape

import pytest

from stretch.okrs import services as okrs
from tests.helpers import client_for


def changes(user, objective) -> list[str]:
    """The entries of the page's change history, newest first, as plain text without the
    time."""
    response = client_for(user).get(f"/objectives/{objective.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    found = re.search(r'<h2 id="changes-heading">.*?</section>', page, re.S)
    assert found is not None, "the page has no change history"
    entries = re.findall(r"<li><time.*?</time>(.*?</span>)</li>", found.group(0), re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", e)).split()) for e in entries]


def newest(user, objective) -> str:
    return changes(user, objective)[0]


@pytest.fixture
def objective(company):
    return okrs.create_objective(
        company.alice, cycle=company.quarter, title="Ship the scheduler", owner_person=company.alice
    )


def test_it_says_who_created_the_objective(company, objective):
    assert changes(company.bob, objective) == [
        "Alice created objective “Ship the scheduler”",
    ]


def test_it_shows_a_changed_title_from_before_to_after(company, objective):
    okrs.update_objective(company.alice, objective, {"title": "Ship the new scheduler"})
    assert newest(company.bob, objective) == (
        "Alice changed objective “Ship the new scheduler” "
        "title: Ship the scheduler → Ship the new scheduler"
    )


def test_it_lists_every_field_changed_in_one_save(company, objective):
    okrs.update_objective(
        company.alice, objective, {"description": "All cron jobs", "kind": "aspirational"}
    )
    entry = newest(company.bob, objective)
    assert "description: – → All cron jobs" in entry
    assert "kind: Committed → Aspirational" in entry


def test_it_names_the_new_owner_instead_of_an_id(company, objective):
    okrs.update_objective(company.admin, objective, {"owner_person": company.bob})
    entry = newest(company.bob, objective)
    assert entry.startswith("admin changed objective")
    assert "owner: Alice → Bob" in entry


def test_it_names_the_owning_team_instead_of_an_id(company, objective):
    okrs.update_objective(company.admin, objective, {"owner_team": company.platform})
    entry = newest(company.bob, objective)
    assert "owning team: – → Platform" in entry
    assert "owner: Alice → –" in entry


def test_it_names_the_cycle_instead_of_an_id(company, objective):
    okrs.update_objective(company.alice, objective, {"cycle": company.year})
    assert "cycle: Quarter → Year" in newest(company.bob, objective)


def test_it_names_the_parent_and_the_pillar_instead_of_ids(company, objective):
    goal = okrs.create_objective(
        company.admin, cycle=company.year, title="Be reliable", owner_team=company.root
    )
    okrs.update_objective(company.admin, objective, {"parent": goal, "pillar": company.pillar})
    entry = newest(company.bob, objective)
    assert "aligned to: – → Be reliable" in entry
    assert "strategy pillar: – → Quality" in entry


def test_it_says_a_visibility_in_words(company, objective):
    okrs.update_objective(company.alice, objective, {"visibility": "private"})
    assert "visibility: Public → Private" in newest(company.bob, objective)


def test_it_leaves_out_a_save_that_changed_nothing_shown(company, objective):
    okrs.update_objective(company.alice, objective, {"title": "Ship the scheduler"})
    assert len(changes(company.bob, objective)) == 1


def test_it_lists_the_newest_change_first(company, objective):
    okrs.update_objective(company.alice, objective, {"title": "Second"})
    okrs.update_objective(company.alice, objective, {"title": "Third"})
    entries = changes(company.bob, objective)
    assert [e.split("“")[1].split("”")[0] for e in entries] == [
        "Third",
        "Second",
        "Ship the scheduler",
    ]


# Key results --------------------------------------------------------------------------------


def test_it_says_who_added_a_key_result(company, objective):
    okrs.create_key_result(company.alice, objective, title="Jobs migrated", target=200)
    assert newest(company.bob, objective) == "Alice created key result “Jobs migrated”"


def test_it_shows_a_key_results_changed_target_and_owner(company, objective):
    kr = okrs.create_key_result(company.alice, objective, title="Jobs migrated", target=200)
    okrs.update_key_result(
        company.alice, kr, {"target": 250, "owner": company.bob}, reason="Bob takes it over"
    )
    entry = newest(company.bob, objective)
    assert entry.startswith("Alice changed key result “Jobs migrated”")
    assert "target: 200 → 250" in entry
    assert "owner: Alice → Bob" in entry


def test_it_says_who_deleted_a_key_result(company, objective):
    kr = okrs.create_key_result(company.alice, objective, title="Jobs migrated", target=200)
    okrs.delete_key_result(company.alice, kr)
    assert newest(company.bob, objective) == "Alice deleted key result “Jobs migrated”"


def test_check_ins_are_not_changes_of_the_key_result(company, objective):
    kr = okrs.create_key_result(company.alice, objective, title="Jobs migrated", target=200)
    okrs.check_in(company.alice, kr, value=20, confidence=7)
    assert len(changes(company.bob, objective)) == 2


def test_it_does_not_mix_in_changes_of_other_objectives(company, objective):
    other = okrs.create_objective(
        company.alice, cycle=company.quarter, title="Learn Rust", owner_person=company.alice
    )
    okrs.create_key_result(company.alice, other, title="Read the book", target=1)
    assert "Learn Rust" not in " ".join(changes(company.bob, objective))
    assert "Read the book" not in " ".join(changes(company.bob, objective))


# Through the API ------------------------------------------------------------------------------


def test_it_says_who_changed_the_objective_through_the_api(company, objective, api_as):
    response = api_as(company.alice).patch(f"/objectives/{objective.pk}", {"title": "Renamed"})
    assert response.status_code == 200
    entry = newest(company.bob, objective)
    assert entry.startswith("Alice changed objective “Renamed”")
    assert "title: Ship the scheduler → Renamed" in entry


def test_it_says_who_created_an_objective_through_the_api(company, api_as):
    response = api_as(company.bob).post(
        "/objectives", {"title": "Faster builds", "cycle": company.quarter.pk}
    )
    assert response.status_code == 201
    created = okrs.Objective.objects.get(pk=response.json_body["id"])
    assert changes(company.alice, created) == ["Bob created objective “Faster builds”"]


@pytest.mark.parametrize("action", ["create", "change", "delete"])
def test_it_says_who_touched_a_key_result_through_the_api(company, objective, api_as, action):
    api = api_as(company.alice)
    response = api.post(
        f"/objectives/{objective.pk}/key-results", {"title": "Jobs migrated", "target": 200}
    )
    assert response.status_code == 201
    kr_id = response.json_body["id"]
    if action == "change":
        assert api.patch(f"/key-results/{kr_id}", {"unit": "jobs"}).status_code == 200
    if action == "delete":
        assert api.delete(f"/key-results/{kr_id}").status_code == 204
    verb = {"create": "created", "change": "changed", "delete": "deleted"}[action]
    assert newest(company.bob, objective).startswith(f"Alice {verb} key result “Jobs migrated”")


# Parents ------------------------------------------------------------------------------------


def test_it_does_not_name_a_parent_the_reader_may_not_see(company, objective):
    secret = okrs.create_objective(
        company.bob,
        cycle=company.quarter,
        title="Quiet reorg",
        owner_team=company.platform,
        visibility="private",
    )
    okrs.update_objective(company.alice, objective, {"parent": secret})
    assert "aligned to: – → Quiet reorg" in newest(company.bob, objective)
    entry = newest(company.dave, objective)
    assert "Quiet reorg" not in entry
    assert "aligned to: – → a private objective" in entry


def test_it_says_a_parent_was_deleted_rather_than_show_its_id(company, objective):
    goal = okrs.create_objective(
        company.alice, cycle=company.year, title="Be reliable", owner_person=company.alice
    )
    okrs.update_objective(company.alice, objective, {"parent": goal})
    goal_id = goal.pk
    okrs.delete_objective(company.alice, goal)
    entry = newest(company.bob, objective)
    assert f"→ {goal_id}" not in entry
    assert "aligned to: – → (deleted)" in entry
