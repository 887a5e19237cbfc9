"""A team's check-in rhythm: how often, and on which weekday, its key results are due.

Its leads and administrators set it on the team page or by API; My OKRs, staleness and the
reminders follow it.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from stretch.okrs import services as okrs
from stretch.org.models import Team
from tests.helpers import client_for


def test_a_lead_sets_the_rhythm_by_api(company, api_as):
    response = api_as(company.bob).patch(
        f"/teams/{company.platform.pk}", {"check_in_cadence": "biweekly", "check_in_weekday": 0}
    )
    assert response.status_code == 200
    assert (response.json_body["check_in_cadence"], response.json_body["check_in_weekday"]) == (
        "biweekly",
        0,
    )
    team = Team.objects.get(pk=company.platform.pk)
    assert (team.check_in_cadence, team.check_in_weekday) == ("biweekly", 0)


def test_a_patch_changes_only_what_it_sends(company, api_as):
    api_as(company.admin).patch(f"/teams/{company.platform.pk}", {"check_in_weekday": 2})
    team = Team.objects.get(pk=company.platform.pk)
    assert (team.check_in_cadence, team.check_in_weekday) == ("weekly", 2)


@pytest.mark.parametrize("who", ["alice", "dave", "carol"])
def test_members_outsiders_and_leads_of_other_teams_may_not(company, api_as, who):
    # carol leads Engineering, above Platform, but the rhythm is Platform's leads' to set
    response = api_as(getattr(company, who)).patch(
        f"/teams/{company.platform.pk}", {"check_in_cadence": "monthly"}
    )
    assert response.status_code == 403
    assert Team.objects.get(pk=company.platform.pk).check_in_cadence == "weekly"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"check_in_cadence": "daily"}, "check_in_cadence"),
        ({"check_in_weekday": 7}, "check_in_weekday"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(company, api_as, body, field):
    response = api_as(company.bob).patch(f"/teams/{company.platform.pk}", body)
    assert response.status_code in (400, 422)
    assert field in str(response.json_body)


def test_the_team_page_shows_and_sets_the_rhythm(company):
    client = client_for(company.bob)
    page = client.get(f"/teams/{company.platform.pk}/").content.decode()
    assert "Check-ins are due: Weekly, on Friday." in page
    assert "Change the check-in rhythm" in page
    response = client.post(
        f"/teams/{company.platform.pk}/rhythm/",
        {"check_in_cadence": "monthly", "check_in_weekday": "3"},
        follow=True,
    )
    text = response.content.decode()
    assert "Check-ins of Platform are now due monthly on Thursday." in text
    assert "Check-ins are due: Monthly, on Thursday." in text


def test_a_member_sees_the_rhythm_but_no_form_and_may_not_post(company):
    client = client_for(company.alice)
    page = client.get(f"/teams/{company.platform.pk}/").content.decode()
    assert "Check-ins are due: Weekly, on Friday." in page
    assert "Change the check-in rhythm" not in page
    response = client.post(
        f"/teams/{company.platform.pk}/rhythm/",
        {"check_in_cadence": "monthly", "check_in_weekday": "3"},
    )
    assert response.status_code == 403
    assert Team.objects.get(pk=company.platform.pk).check_in_cadence == "weekly"


def test_a_bad_weekday_on_the_page_is_an_error_message_and_nothing_changes(company):
    response = client_for(company.bob).post(
        f"/teams/{company.platform.pk}/rhythm/",
        {"check_in_cadence": "monthly", "check_in_weekday": "nine"},
        follow=True,
    )
    assert "A weekday from 0 (Monday) to 6 (Sunday)." in response.content.decode()
    assert Team.objects.get(pk=company.platform.pk).check_in_cadence == "weekly"


def test_my_okrs_follows_a_two_week_rhythm(company):
    objective = okrs.create_objective(
        company.bob, cycle=company.quarter, title="Faster builds", owner_team=company.platform
    )
    kr = okrs.create_key_result(
        company.bob,
        objective,
        title="Build minutes",
        start=30,
        target=10,
        direction="decrease",
        owner=company.alice,
    )
    okrs.check_in(company.alice, kr, value=25, at=timezone.now() - timedelta(days=10))
    home = lambda: client_for(company.alice).get("/").content.decode()  # noqa: E731
    assert "1 key result needs a check-in" in home()  # weekly: 10 days is overdue
    company.platform.check_in_cadence = "biweekly"
    company.platform.save()
    assert "needs a check-in" not in home()  # every two weeks: not yet
