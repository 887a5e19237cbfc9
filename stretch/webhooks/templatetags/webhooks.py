"""Template helpers of the webhook pages."""

from django import template

from stretch import access

register = template.Library()


@register.filter
def manages_webhooks(user) -> bool:
    """Whether `user` sees the team page's link to its webhooks (administrators)."""
    return access.can_manage_company(user)
