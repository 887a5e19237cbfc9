"""What a webhook is sent: one message about an activity, shaped for each receiver.

`message()` says it once (in the company's default language, with absolute links built on
settings.STRETCH_BASE_URL); `render()` shapes it as the webhook's format wants:

- generic: our own JSON, `{event, id, created_at, actor, objective, key_result, text,
  detail, data}`, signed by the sender (X-Stretch-Signature);
- slack: `{"text": ...}` in Slack's mrkdwn, with a `<url|title>` link;
- teams: a message with one Adaptive Card (what Teams Workflows webhooks accept);
- dingtalk: a custom robot's markdown message;
- feishu: a Feishu/Lark custom bot's text message.
"""

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from stretch.org.models import display_name
from stretch.social import activity_text
from stretch.social.models import Activity

PING = "ping"
DETAIL_LIMIT = 500  # chat messages carry the start of a long comment, with a link to the rest


def absolute(path: str) -> str:
    return f"{settings.STRETCH_BASE_URL}{path}"


def message(activity: Activity) -> dict[str, Any]:
    """The activity in words and links, in the company's language (not the actor's)."""
    with translation.override(settings.LANGUAGE_CODE):
        text = activity_text.sentence(activity)
        detail = activity_text.detail(activity)
        link = absolute(activity_text.path(activity))
    objective = activity.objective if activity.objective_id else None
    key_result = activity.key_result if activity.key_result_id else None
    if len(detail) > DETAIL_LIMIT:
        detail = detail[: DETAIL_LIMIT - 1].rstrip() + "…"
    return {
        "event": activity.verb,
        "id": activity.pk,
        "created_at": activity.created_at.isoformat(),
        "actor": (
            {"id": activity.actor_id, "name": display_name(activity.actor)}
            if activity.actor_id
            else None
        ),
        "objective": (
            {
                "id": objective.pk,
                "title": objective.title,
                "url": absolute(reverse("objective", args=[objective.pk])),
            }
            if objective is not None
            else None
        ),
        "key_result": (
            {
                "id": key_result.pk,
                "title": key_result.title,
                "url": absolute(reverse("key-result", args=[key_result.pk])),
            }
            if key_result is not None
            else None
        ),
        "text": text,
        "detail": detail,
        "url": link,
        "data": activity.data,
    }


def ping_message(webhook, actor, now) -> dict[str, Any]:
    """A test message, sent when an administrator asks (no activity behind it)."""
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Test message from Stretch: the webhook “%(name)s” of %(team)s works.") % {
            "name": webhook.name,
            "team": webhook.team.name,
        }
    return {
        "event": PING,
        "id": None,
        "created_at": now.isoformat(),
        "actor": {"id": actor.pk, "name": display_name(actor)} if actor is not None else None,
        "objective": None,
        "key_result": None,
        "text": text,
        "detail": "",
        "url": absolute(reverse("team", args=[webhook.team_id])),
        "data": {"webhook": webhook.pk},
    }


def render(fmt: str, msg: dict[str, Any]) -> dict[str, Any]:
    """The JSON body for a webhook of format `fmt`."""
    return RENDERERS[fmt](msg)


def _title(msg: dict[str, Any]) -> str:
    """What the link is called: the objective's title, or "Stretch" for a ping."""
    return msg["objective"]["title"] if msg["objective"] else "Stretch"


def _link_label(msg: dict[str, Any]) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Open in Stretch")


def generic(msg: dict[str, Any]) -> dict[str, Any]:
    return {key: msg[key] for key in GENERIC_KEYS}


GENERIC_KEYS = (
    "event",
    "id",
    "created_at",
    "actor",
    "objective",
    "key_result",
    "text",
    "detail",
    "url",
    "data",
)


def _slack_escape(text: str) -> str:
    # Slack reads &, < and > as markup; everything else in mrkdwn is plain text.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack(msg: dict[str, Any]) -> dict[str, Any]:
    lines = [_slack_escape(msg["text"])]
    if msg["detail"]:
        lines.append("> " + _slack_escape(msg["detail"]).replace("\n", "\n> "))
    lines.append(f"<{msg['url']}|{_slack_escape(_title(msg)).replace('|', '¦')}>")
    return {"text": "\n".join(lines)}


def teams(msg: dict[str, Any]) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": msg["text"], "wrap": True, "weight": "Bolder"}
    ]
    if msg["detail"]:
        body.append({"type": "TextBlock", "text": msg["detail"], "wrap": True})
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
        "actions": [{"type": "Action.OpenUrl", "title": _link_label(msg), "url": msg["url"]}],
    }
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


def _markdown_escape(text: str) -> str:
    for char in "\\[]*_`#":
        text = text.replace(char, "\\" + char)
    return text


def dingtalk(msg: dict[str, Any]) -> dict[str, Any]:
    parts = [f"#### {_markdown_escape(msg['text'])}"]
    if msg["detail"]:
        parts.append("> " + _markdown_escape(msg["detail"]).replace("\n", "\n> "))
    parts.append(f"[{_markdown_escape(_title(msg))}]({msg['url']})")
    return {"msgtype": "markdown", "markdown": {"title": msg["text"], "text": "\n\n".join(parts)}}


def feishu(msg: dict[str, Any]) -> dict[str, Any]:
    lines = [msg["text"]]
    if msg["detail"]:
        lines.append(msg["detail"])
    lines.append(msg["url"])
    return {"msg_type": "text", "content": {"text": "\n".join(lines)}}


RENDERERS = {
    "generic": generic,
    "slack": slack,
    "teams": teams,
    "dingtalk": dingtalk,
    "feishu": feishu,
}
