"""/api/v1/webhooks: administrators add, change and remove a team's webhooks, read the
delivery log, send a test and retry; everyone else is refused."""

import pytest

from stretch.okrs import services as okrs
from stretch.webhooks import delivery as sender
from stretch.webhooks.models import Delivery, Webhook
from tests.webhooks.conftest import add_webhook

URL = "https://hooks.slack.com/services/T000/B000/XXXX"


def new(company, **fields):
    return {
        "team": company.platform.pk,
        "name": "Platform channel",
        "url": URL,
        "format": "slack",
        "events": ["check_in", "off_track"],
        **fields,
    }


def test_an_admin_adds_a_webhook_and_sees_its_secret_once_in_the_list(company, api_as):
    api = api_as(company.admin)
    response = api.post("/webhooks", new(company))
    assert response.status_code == 201, response.json_body
    created = response.json_body
    assert created["team"] == company.platform.pk
    assert created["format"] == "slack"
    assert created["events"] == ["check_in", "off_track"]
    assert created["active"] is True
    assert created["created_by"] == company.admin.pk
    assert len(created["secret"]) == 64
    assert created["secret"] == Webhook.objects.get().secret

    [listed] = api.get("/webhooks").json_body["items"]
    assert "secret" not in listed
    assert listed["name"] == "Platform channel"
    assert api.get(f"/webhooks/{created['id']}").json_body["secret"] == created["secret"]


def test_without_events_a_webhook_hears_of_the_usual_ones(company, api_as):
    body = new(company)
    del body["events"]
    created = api_as(company.admin).post("/webhooks", body).json_body
    assert "check_in" in created["events"] and "objective_created" in created["events"]


def test_an_admin_changes_and_removes_a_webhook(company, api_as):
    api = api_as(company.admin)
    hook = add_webhook(company, URL)
    changed = api.patch(f"/webhooks/{hook.pk}", {"active": False, "format": "teams"})
    assert changed.status_code == 200
    assert (changed.json_body["active"], changed.json_body["format"]) == (False, "teams")
    assert api.delete(f"/webhooks/{hook.pk}").status_code == 204
    assert not Webhook.objects.exists()
    assert api.get(f"/webhooks/{hook.pk}").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"url": "ftp://files.example.com/hook"}, "url"),
        ({"url": "http://"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "http://127.0.0.1:8000/api/v1/objectives"}, "url"),  # STRETCH_BASE_URL
        ({"url": "http://localhost:8000/hook"}, "url"),  # the same place by another name
        ({"url": "http://testserver/hook"}, "url"),  # the host serving this request
        ({"format": "irc"}, "format"),
        ({"events": ["check_in", "coffee_break"]}, "events"),
        ({"events": []}, "events"),
        ({"name": "  "}, "name"),
        ({"team": 999999}, "team"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(company, api_as, changes, field):
    response = api_as(company.admin).post("/webhooks", new(company, **changes))
    assert response.status_code == 400, response.json_body
    assert response.json_body["field"] == field
    assert not Webhook.objects.exists()


def test_a_change_is_checked_like_a_new_webhook(company, api_as):
    hook = add_webhook(company, URL)
    response = api_as(company.admin).patch(f"/webhooks/{hook.pk}", {"url": "http://testserver/"})
    assert response.status_code == 400
    assert response.json_body["field"] == "url"
    hook.refresh_from_db()
    assert hook.url == URL


def test_the_base_url_is_refused_wherever_stretch_is_served(company, api_as, settings):
    settings.STRETCH_BASE_URL = "https://okr.example.com"
    api = api_as(company.admin)
    refused = api.post("/webhooks", new(company, url="https://OKR.example.com/hook"))
    assert refused.json_body["field"] == "url"
    assert api.post("/webhooks", new(company, url="http://okr.example.com/x")).status_code == 400
    other_port = api.post("/webhooks", new(company, url="https://okr.example.com:9443/x"))
    assert other_port.status_code == 201


@pytest.mark.parametrize(
    "url", ["http://chat:8065/hooks/abc", "http://10.1.2.3:8080/x", "https://[2001:db8::1]/hook"]
)
def test_an_intranet_receiver_is_fine(company, api_as, url):
    assert api_as(company.admin).post("/webhooks", new(company, url=url)).status_code == 201


@pytest.mark.parametrize("who", ["alice", "bob", "carol", "dave"])
def test_anyone_but_an_admin_is_refused_with_403(company, api_as, who):
    hook = add_webhook(company, URL)
    api = api_as(getattr(company, who))
    assert api.get("/webhooks").status_code == 403
    assert api.get(f"/webhooks/{hook.pk}").status_code == 403
    assert api.get(f"/webhooks/{hook.pk}/deliveries").status_code == 403
    assert api.post("/webhooks", new(company)).status_code == 403
    assert api.patch(f"/webhooks/{hook.pk}", {"active": False}).status_code == 403
    assert api.delete(f"/webhooks/{hook.pk}").status_code == 403
    assert api.post(f"/webhooks/{hook.pk}/test").status_code == 403
    assert Webhook.objects.get().active is True


def test_anonymous_callers_are_refused(company, api_as):
    assert api_as(None).get("/webhooks").status_code == 401


def test_unknown_webhooks_and_deliveries_are_404_for_an_admin(company, api_as):
    api = api_as(company.admin)
    assert api.get("/webhooks/424242").status_code == 404
    assert api.post("/webhooks/deliveries/424242/retry").status_code == 404


def test_the_test_button_queues_a_ping(company, api_as, receiver):
    hook = add_webhook(company, receiver.url)
    response = api_as(company.admin).post(f"/webhooks/{hook.pk}/test")
    assert response.status_code == 202
    assert response.json_body["event"] == "ping"
    assert response.json_body["status"] == "pending"
    assert sender.sweep() == 1
    [got] = receiver.accepted
    assert got.headers["X-Stretch-Event"] == "ping"
    assert "Platform chat" in got.json["text"]


def test_the_delivery_log_is_newest_first_with_attempts_and_status_codes(
    company, api_as, kr, receiver, clock
):
    hook = add_webhook(company, receiver.url)
    receiver.answers = [503]
    okrs.check_in(company.alice, kr, value=10)
    sender.sweep()
    okrs.check_in(company.alice, kr, value=20)
    sender.sweep()
    page = api_as(company.admin).get(f"/webhooks/{hook.pk}/deliveries?limit=1").json_body
    assert page["count"] == 2
    [newest] = page["items"]
    assert newest["payload"]["data"]["value"] == 20
    assert newest["status"] == "delivered"
    assert [a["status_code"] for a in newest["attempt_log"]] == [200]
    older = api_as(company.admin).get(f"/webhooks/{hook.pk}/deliveries?offset=1").json_body
    [first] = older["items"]
    assert first["status"] == "pending"
    assert first["last_status_code"] == 503
    assert first["attempt_log"][0]["status_code"] == 503
    assert "503" in first["last_error"]
    pending = api_as(company.admin).get(f"/webhooks/{hook.pk}/deliveries?status=pending")
    assert pending.json_body["count"] == 1


def test_the_delivery_log_costs_the_same_queries_for_many_deliveries(
    company, api_as, kr, closed_port_url, django_assert_max_num_queries
):
    hook = add_webhook(company, closed_port_url)
    for value in range(12):
        okrs.check_in(company.alice, kr, value=value)
    sender.sweep()
    api = api_as(company.admin)
    with django_assert_max_num_queries(8):
        page = api.get(f"/webhooks/{hook.pk}/deliveries").json_body
    assert page["count"] == 12
    assert all(len(d["attempt_log"]) == 1 for d in page["items"])
    for n in range(5):
        add_webhook(company, closed_port_url, name=f"n{n}")
    with django_assert_max_num_queries(6):
        assert api.get("/webhooks").json_body["count"] == 6


def test_an_admin_retries_a_waiting_delivery_now(company, api_as, kr, receiver, clock):
    hook = add_webhook(company, receiver.url)
    receiver.answers = [500]
    okrs.check_in(company.alice, kr, value=10)
    sender.sweep()
    waiting = Delivery.objects.get(webhook=hook)
    assert sender.sweep() == 0  # its retry is 30 seconds away
    response = api_as(company.admin).post(f"/webhooks/deliveries/{waiting.pk}/retry")
    assert response.status_code == 202
    assert sender.sweep() == 1
    waiting.refresh_from_db()
    assert waiting.status == "delivered"
    again = api_as(company.admin).post(f"/webhooks/deliveries/{waiting.pk}/retry")
    assert again.status_code == 400
    assert again.json_body["field"] == "delivery"
    assert api_as(company.bob).post(f"/webhooks/deliveries/{waiting.pk}/retry").status_code == 403
