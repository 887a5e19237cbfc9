"""`{% load social %}`: the bell's unread count for the signed-in person."""

from django import template

from stretch.social import services

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_count(context) -> int:
    """How many unread notifications the signed-in person has (one COUNT query per page)."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None:
        return 0
    return services.unread_count(user)


@register.filter
def title_now(notification) -> str:
    """The notification's title in the page's language."""
    from stretch.social.fanout import title_now as in_page_language

    return in_page_language(notification)
