"""`{% load feed %}`: the latest activities of a team or a person, and follow buttons."""

from django import template

from stretch.social import follows
from stretch.social.feed import feed

register = template.Library()

LATEST = 8


@register.simple_tag(takes_context=True)
def latest_activities(context, team=None, person=None, cycle=None) -> list:
    """The newest activities the signed-in person may see, of a team or around a person,
    in the cycle the page shows."""
    user = context["request"].user
    return list(feed(user, team=team, person=person, cycle=cycle)[:LATEST])


@register.simple_tag(takes_context=True)
def follows_this(context, team=None, person=None) -> bool:
    user = context["request"].user
    return follows.is_following(user, team=team, person=person)
