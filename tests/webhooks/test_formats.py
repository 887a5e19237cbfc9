"""What each format sends: generic JSON, Slack, Microsoft Teams, DingTalk and Feishu/Lark."""

import pytest
from django.utils import translation

from stretch.okrs import services as okrs
from stretch.social import activity_text
from stretch.social.models import Activity
from stretch.webhooks import formats
from stretch.webhooks.models import Delivery
from tests.webhooks.conftest import add_webhook

BASE = "https://okr.example.com"


@pytest.fixture
def base_url(settings):
    settings.STRETCH_BASE_URL = BASE


@pytest.fixture
def checked_in(company, kr, base_url):
    okrs.check_in(company.alice, kr, value=40, confidence=7)
    return Activity.objects.get(verb="check_in")


def test_the_generic_payload_names_the_event_the_objects_and_absolute_links(checked_in, kr):
    body = formats.render("generic", formats.message(checked_in))
    assert set(body) >= {"event", "id", "created_at", "actor", "objective", "key_result"}
    assert body["event"] == "check_in"
    assert body["id"] == checked_in.pk
    assert body["created_at"] == "2026-10-01T09:00:00+00:00"
    assert body["actor"]["name"] == "Alice"
    assert body["objective"] == {
        "id": kr.objective_id,
        "title": "Ship the scheduler",
        "url": f"{BASE}/objectives/{kr.objective_id}/",
    }
    assert body["key_result"]["url"] == f"{BASE}/key-results/{kr.pk}/"
    assert body["text"] == "Alice checked in on “Jobs migrated”: 40 · confidence 7/10"
    assert body["data"]["value"] == 40


def test_slack_gets_mrkdwn_text_with_a_link_and_escaped_markup(company, q4, base_url):
    objective = okrs.create_objective(
        company.alice, cycle=q4, title="R&D <fast>", owner_person=company.alice
    )
    activity = Activity.objects.get(verb="objective_created", objective=objective)
    body = formats.render("slack", formats.message(activity))
    assert set(body) == {"text"}
    assert "R&amp;D &lt;fast&gt;" in body["text"]
    assert f"<{BASE}/objectives/{objective.pk}/|R&amp;D &lt;fast&gt;>" in body["text"]
    assert "<fast>" not in body["text"]


def test_teams_gets_an_adaptive_card_with_a_button_to_the_objective(checked_in, kr):
    body = formats.render("teams", formats.message(checked_in))
    assert body["type"] == "message"
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard"
    assert "Jobs migrated" in card["body"][0]["text"]
    [button] = card["actions"]
    assert button["type"] == "Action.OpenUrl"
    assert button["url"].startswith(f"{BASE}/objectives/{kr.objective_id}/")


def test_dingtalk_gets_a_markdown_message_with_title_and_link(checked_in, kr):
    body = formats.render("dingtalk", formats.message(checked_in))
    assert body["msgtype"] == "markdown"
    assert "Jobs migrated" in body["markdown"]["title"]
    assert f"[Ship the scheduler]({BASE}/objectives/{kr.objective_id}/" in body["markdown"]["text"]


def test_feishu_gets_a_text_message_with_the_link(checked_in, kr):
    body = formats.render("feishu", formats.message(checked_in))
    assert body["msg_type"] == "text"
    assert "Jobs migrated" in body["content"]["text"]
    assert f"{BASE}/objectives/{kr.objective_id}/" in body["content"]["text"]


def test_the_text_is_in_the_company_language_not_the_actors(checked_in, settings, monkeypatch):
    settings.LANGUAGE_CODE = "zh-hans"
    monkeypatch.setattr(activity_text, "sentence", lambda a: translation.get_language())
    with translation.override("en"):
        msg = formats.message(checked_in)
        assert translation.get_language() == "en"
    assert msg["text"] == "zh-hans"


def test_each_webhook_gets_its_own_format_of_one_event(company, kr):
    add_webhook(company, "https://hooks.slack.com/services/T/B/x", fmt="slack")
    add_webhook(company, "https://open.feishu.cn/open-apis/bot/v2/hook/x", fmt="feishu")
    okrs.check_in(company.alice, kr, value=40)
    shapes = {d.webhook.format: set(d.payload) for d in Delivery.objects.select_related("webhook")}
    assert shapes == {"slack": {"text"}, "feishu": {"msg_type", "content"}}


def test_a_long_comment_is_cut_short_in_the_message(checked_in, monkeypatch):
    monkeypatch.setattr(activity_text, "detail", lambda a: "word " * 300)
    msg = formats.message(checked_in)
    assert len(msg["detail"]) <= formats.DETAIL_LIMIT
    assert msg["detail"].endswith("…")


def test_a_test_ping_says_which_webhook_it_comes_from(company, base_url):
    hook = add_webhook(company, "https://example.org/hook", name="Ops room")
    for fmt in formats.RENDERERS:
        body = formats.render(fmt, formats.ping_message(hook, company.admin, hook.created_at))
        assert "Ops room" in str(body)
