"""Which activities queue a delivery: public objectives of the team, its people and the teams
below it, for the events the webhook chose; written in the activity's transaction."""

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from stretch.okrs import services as okrs
from stretch.okrs.models import Objective
from stretch.webhooks.models import Delivery
from tests.webhooks.conftest import add_webhook

URL = "https://chat.example.org/hook"


def test_a_check_in_on_a_public_objective_of_the_team_queues_one_delivery(company, kr):
    hook = add_webhook(company, URL)
    okrs.check_in(company.alice, kr, value=40)
    [queued] = Delivery.objects.all()
    assert queued.webhook == hook
    assert queued.event == "check_in"
    assert queued.status == "pending"
    assert queued.attempts == 0
    assert queued.activity.check_in.value == 40


def test_a_check_in_dated_in_the_past_is_history_and_is_not_sent_out(company, kr):
    add_webhook(company, URL)
    okrs.check_in(company.alice, kr, value=40, at=datetime(2026, 9, 1, tzinfo=UTC))
    assert not Delivery.objects.exists()


def test_a_check_in_on_a_private_objective_is_never_sent_out(company, kr, objective):
    add_webhook(company, URL)
    Objective.objects.filter(pk=objective.pk).update(visibility=Objective.Visibility.PRIVATE)
    kr.objective.visibility = Objective.Visibility.PRIVATE
    okrs.check_in(company.alice, kr, value=40)
    assert not Delivery.objects.exists()


def test_a_team_above_hears_of_its_sub_teams_and_their_people(company, kr):
    add_webhook(company, URL, team=company.engineering)
    add_webhook(company, URL, team=company.root, name="Company")
    okrs.check_in(company.alice, kr, value=40)  # alice is in Platform, below Engineering
    assert Delivery.objects.count() == 2


def test_another_team_does_not_hear_of_it(company, kr):
    add_webhook(company, URL, team=company.sales)
    okrs.check_in(company.alice, kr, value=40)
    assert not Delivery.objects.exists()


def test_a_team_objective_reaches_the_teams_webhook(company, q4):
    add_webhook(company, URL, events=["objective_created"])
    okrs.create_objective(company.bob, cycle=q4, title="Faster CI", owner_team=company.platform)
    assert Delivery.objects.get().payload["objective"]["title"] == "Faster CI"


def test_only_the_chosen_events_are_queued(company, kr):
    add_webhook(company, URL, events=["graded"])
    okrs.check_in(company.alice, kr, value=40)
    assert not Delivery.objects.exists()


def test_a_paused_webhook_queues_nothing(company, kr):
    add_webhook(company, URL, active=False)
    okrs.check_in(company.alice, kr, value=40)
    assert not Delivery.objects.exists()


def test_a_check_in_that_rolls_back_queues_nothing(company, kr):
    add_webhook(company, URL)
    with pytest.raises(RuntimeError), transaction.atomic():
        okrs.check_in(company.alice, kr, value=40)
        raise RuntimeError("the request failed later on")
    assert not Delivery.objects.exists()


def test_queueing_costs_a_few_queries_whatever_the_number_of_webhooks(company, kr, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("no HTTP inside the request")

    monkeypatch.setattr("stretch.webhooks.delivery.post", no_network)

    def queries_of_a_check_in(value) -> int:
        with CaptureQueriesContext(connection) as queries:
            okrs.check_in(company.alice, kr, value=value)
        return len(queries)

    okrs.check_in(company.alice, kr, value=1)  # warm up what the check-in itself caches
    without = queries_of_a_check_in(2)
    for n in range(5):
        add_webhook(company, URL, name=f"hook {n}")
    with_five = queries_of_a_check_in(3)
    for n in range(5):
        add_webhook(company, URL, name=f"more {n}", team=company.engineering)
    with_ten = queries_of_a_check_in(4)
    assert with_five - without <= 6
    assert with_ten == with_five
    assert Delivery.objects.filter(activity__check_in__value=4).count() == 10
