"""The webhook pages: a team's webhooks and the add form, a webhook's delivery log with its
attempts, test and retry buttons; administrators only."""

import pytest

from stretch.okrs import services as okrs
from stretch.webhooks import delivery as sender
from stretch.webhooks.models import Delivery, Webhook
from tests.helpers import client_for
from tests.webhooks.conftest import add_webhook

URL = "https://oapi.dingtalk.com/robot/send?access_token=abc"


def form(**fields):
    return {
        "name": "Platform robot",
        "url": URL,
        "format": "dingtalk",
        "events": ["check_in", "graded"],
        "active": "on",
        **fields,
    }


def test_an_admin_sees_the_webhooks_link_on_the_team_page(company):
    page = client_for(company.admin).get(f"/teams/{company.platform.pk}/")
    assert f'href="/teams/{company.platform.pk}/webhooks/"' in page.content.decode()


def test_a_lead_sees_no_webhooks_link_and_is_refused_the_page(company):
    client = client_for(company.bob)
    page = client.get(f"/teams/{company.platform.pk}/")
    assert page.status_code == 200
    assert "/webhooks/" not in page.content.decode()
    assert client.get(f"/teams/{company.platform.pk}/webhooks/").status_code == 403


def test_an_admin_adds_a_webhook_and_lands_on_its_page_with_the_secret(company):
    client = client_for(company.admin)
    response = client.post(f"/teams/{company.platform.pk}/webhooks/", form())
    hook = Webhook.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/webhooks/{hook.pk}/"
    assert (hook.format, hook.events, hook.active) == ("dingtalk", ["check_in", "graded"], True)
    page = client.get(response["Location"]).content.decode()
    assert "Platform robot" in page
    assert hook.secret in page
    assert "Nothing was sent yet." in page
    listing = client.get(f"/teams/{company.platform.pk}/webhooks/").content.decode()
    assert "Platform robot" in listing
    assert hook.secret not in listing


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url": "ftp://example.com/x"}, "Enter an http:// or https:// address with a host."),
        ({"url": "http://testserver/x"}, "A webhook may not point at Stretch itself."),
        ({"events": []}, "Choose at least one event."),
    ],
)
def test_a_refused_webhook_shows_the_form_again_with_the_reason(company, fields, message):
    response = client_for(company.admin).post(
        f"/teams/{company.platform.pk}/webhooks/", form(**fields)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Webhook.objects.exists()


def test_the_delivery_log_shows_each_attempt_and_its_status_code(
    company, kr, receiver, closed_port_url
):
    hook = add_webhook(company, receiver.url)
    receiver.answers = [500]
    okrs.check_in(company.alice, kr, value=10)
    sender.sweep()
    page = client_for(company.admin).get(f"/webhooks/{hook.pk}/").content.decode()
    assert "Pending" in page
    assert '<span class="code">500</span>' in page
    assert "Retry now" in page


def test_retry_now_sends_it_and_the_log_shows_it_delivered(company, kr, closed_port_url, receiver):
    hook = add_webhook(company, closed_port_url)
    okrs.check_in(company.alice, kr, value=10)
    sender.sweep()
    hook.url = receiver.url
    hook.save()
    queued = Delivery.objects.get()
    client = client_for(company.admin)
    response = client.post(f"/webhooks/deliveries/{queued.pk}/retry/")
    assert response.status_code == 302
    sender.sweep()
    page = client.get(f"/webhooks/{hook.pk}/").content.decode()
    assert "Delivered" in page
    assert '<span class="code">200</span>' in page
    assert "no answer" in page  # the first try, to the closed port
    assert len(receiver.accepted) == 1


def test_an_admin_sends_a_test_changes_and_removes_a_webhook(company):
    hook = add_webhook(company, URL)
    client = client_for(company.admin)
    assert client.post(f"/webhooks/{hook.pk}/test/").status_code == 302
    assert Delivery.objects.get().event == "ping"
    saved = client.post(f"/webhooks/{hook.pk}/", form(name="Renamed", active=""))
    assert saved.status_code == 302
    hook.refresh_from_db()
    assert (hook.name, hook.active) == ("Renamed", False)
    removed = client.post(f"/webhooks/{hook.pk}/delete/")
    assert removed["Location"] == f"/teams/{company.platform.pk}/webhooks/"
    assert not Webhook.objects.exists()


def test_others_may_not_open_change_or_retry(company, kr):
    hook = add_webhook(company, URL)
    okrs.check_in(company.alice, kr, value=10)
    queued = Delivery.objects.get()
    client = client_for(company.carol)
    assert client.get(f"/webhooks/{hook.pk}/").status_code == 403
    assert client.post(f"/webhooks/{hook.pk}/", form(name="Mine")).status_code == 403
    assert client.post(f"/webhooks/{hook.pk}/delete/").status_code == 403
    assert client.post(f"/webhooks/{hook.pk}/test/").status_code == 403
    assert client.post(f"/webhooks/deliveries/{queued.pk}/retry/").status_code == 403
    assert Webhook.objects.get().name == "Platform chat"


def test_the_log_page_costs_the_same_queries_for_many_deliveries(
    company, kr, closed_port_url, django_assert_max_num_queries
):
    hook = add_webhook(company, closed_port_url)
    for value in range(30):
        okrs.check_in(company.alice, kr, value=value)
    sender.sweep()
    client = client_for(company.admin)
    with django_assert_max_num_queries(14):
        page = client.get(f"/webhooks/{hook.pk}/")
    assert page.content.decode().count('class="card delivery"') == 25
    older = client.get(f"/webhooks/{hook.pk}/?offset=25").content.decode()
    assert older.count('class="card delivery"') == 5
    with django_assert_max_num_queries(14):
        client.get(f"/teams/{company.platform.pk}/webhooks/")
