"""Org chart import: people, teams and memberships; every problem with its line; dry run and
all or nothing; re-import updates in place."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from stretch.org.models import Membership, Profile, Team
from stretch.transfer import orgchart

HEADER = "type,team,parent_team,email,name,title,manager_email,teams\n"
GOOD = HEADER + (
    "team,Support,Testco,,,,,\n"
    "team,Tier 2,Support,,,,,\n"
    "person,,,sam@testco.test,Sam Support,Head of support,,Support:lead\n"
    "person,,,tia@testco.test,Tia Two,Agent,sam@testco.test,Tier 2; Support\n"
)


def run(company, text, dry_run=False, actor=None):
    return orgchart.run(text.encode(), actor or company.admin, dry_run=dry_run)


def where(report):
    return [(p.line, p.column) for p in report.problems]


def counts():
    User = get_user_model()
    return User.objects.count(), Team.objects.count(), Membership.objects.count()


def test_it_creates_teams_people_and_memberships(company):
    report = run(company, GOOD)
    assert report.problems == []
    assert report.summary["teams_created"] == 2 and report.summary["people_created"] == 2
    assert report.summary["memberships_added"] == 3
    tier2 = Team.objects.get(name="Tier 2")
    assert tier2.parent.name == "Support"
    tia = get_user_model().objects.get(email="tia@testco.test")
    assert tia.profile.manager.email == "sam@testco.test"
    assert tia.profile.title == "Agent"
    assert Membership.objects.get(person__email="sam@testco.test").role == "lead"


def test_a_dry_run_writes_nothing(company):
    before = counts()
    report = run(company, GOOD, dry_run=True)
    assert report.problems == [] and report.summary["people_created"] == 2
    assert counts() == before


def test_reimporting_an_updated_file_updates_in_place(company):
    run(company, GOOD)
    before = counts()
    again = run(company, GOOD)
    assert again.summary["people_created"] == 0 and again.summary["people_updated"] == 0
    assert counts() == before
    changed = HEADER + (
        "team,Tier 2,Engineering,,,,,\n"
        "person,,,tia@testco.test,Tia Tiers,Senior agent,,Tier 2:lead\n"
        "person,,,alice@testco.test,Alice,Engineer,,Platform\n"
    )
    report = run(company, changed)
    assert report.problems == []
    assert report.summary["teams_updated"] == 1 and report.summary["people_updated"] == 1
    assert report.summary["memberships_removed"] == 1
    assert Team.objects.get(name="Tier 2").parent == company.engineering
    tia = Profile.objects.get(user__email="tia@testco.test")
    assert (tia.display_name, tia.title, tia.manager) == ("Tia Tiers", "Senior agent", None)
    assert list(
        Membership.objects.filter(person__email="tia@testco.test").values_list("team__name", "role")
    ) == [("Tier 2", "lead")]


def test_every_problem_names_its_line_and_column(company):
    text = HEADER + (
        "person,,,ann@testco.test,Ann,,ghost@testco.test,\n"  # 2 unknown manager
        "person,,,ann@testco.test,Ann again,,,\n"  # 3 duplicate email
        "person,,,ben@testco.test,Ben,,,Nowhere\n"  # 4 unknown team
        "person,,,cat@testco.test,Cat,,,Platform:boss\n"  # 5 bad role
        "person,,,,Dan,,,\n"  # 6 missing email
        "person,,,eve@testco.test,Eve,,fay@testco.test,\n"  # 7 manager cycle
        "person,,,fay@testco.test,Fay,,eve@testco.test,\n"  # 8
        "team,Loop A,Loop B,,,,,\n"  # 9 team cycle
        "team,Loop B,Loop A,,,,,\n"  # 10
        "robot,,,,,,,\n"  # 11 bad type
        "team,,Testco,,,,,\n"  # 12 missing team name
    )
    before = counts()
    report = run(company, text)
    assert where(report) == [
        (2, "manager_email"),
        (3, "email"),
        (4, "teams"),
        (5, "teams"),
        (6, "email"),
        (7, "manager_email"),
        (9, "parent_team"),
        (11, "type"),
        (12, "team"),
    ]
    assert "cycle" in report.problems[5].message and "cycle" in report.problems[6].message
    assert counts() == before


def test_one_bad_row_among_good_ones_writes_nothing(company):
    before = counts()
    report = run(company, GOOD + "person,,,zed@testco.test,Zed,,nobody@testco.test,\n")
    assert where(report) == [(6, "manager_email")]
    assert counts() == before


def test_a_second_root_team_is_refused(company):
    report = run(company, HEADER + "team,Another company,,,,,,\n")
    assert where(report) == [(2, "parent_team")]


def test_only_administrators_import_the_org_chart(company):
    with pytest.raises(PermissionDenied):
        run(company, GOOD, actor=company.bob)


def test_a_wrong_header_names_the_unknown_columns(company):
    report = run(company, "type,email,shoe_size\nperson,a@b.test,44\n")
    assert where(report) == [(1, "shoe_size")]


def test_texts_longer_than_the_database_holds_name_line_and_column(company):
    before = counts()
    text = HEADER + (
        f"team,{'T' * 201},Testco,,,,,\n"
        f"person,,,long@testco.test,{'N' * 201},{'t' * 201},,\n"
        f"person,,,{'e' * 250}@testco.test,Eve,,,\n"
    )
    report = run(company, text)
    assert where(report) == [(2, "team"), (3, "name"), (3, "title"), (4, "email")]
    assert report.problems[0].message == "At most 200 characters; this has 201."
    assert counts() == before


def test_find_cycle_walks_up_to_the_start_or_stops():
    from stretch.transfer.importing import find_cycle

    parents = {"a": "b", "b": "c", "c": "a", "d": "b", "e": None}
    assert find_cycle("a", parents.get) == ["a", "b", "c"]
    assert find_cycle("d", parents.get) is None  # a loop above d, not through it
    assert find_cycle("e", parents.get) is None
    assert find_cycle("x", {"x": "x"}.get) == ["x"]


def test_moving_a_team_goes_through_the_service_that_refuses_a_loop(company):
    from django.core.exceptions import ValidationError

    from stretch.org import services as org

    with pytest.raises(ValidationError):
        org.move_team(company.engineering, company.platform)
    report = run(company, HEADER + "team,Platform,Sales,,,,,\n")
    assert report.summary["teams_updated"] == 1
    assert Team.objects.get(name="Platform").parent == company.sales


def test_a_membership_the_file_no_longer_names_is_removed(company):
    run(company, GOOD)
    report = run(company, HEADER + "person,,,tia@testco.test,Tia Two,Agent,,Support\n")
    assert report.summary["memberships_removed"] == 1
    tia = get_user_model().objects.get(email="tia@testco.test")
    assert [m.team.name for m in Membership.objects.filter(person=tia)] == ["Support"]
    assert Profile.objects.get(user=tia).manager is None
