"""`{% load recognition_tags %}`: how often a person was recognised in a cycle, and how many
recognitions a team's people received, for the person and team pages."""

from django import template

from stretch.cfr import recognition

register = template.Library()


@register.simple_tag(takes_context=True)
def times_recognised(context, person, cycle=None) -> int:
    """Recognitions `person` received in `cycle` (one query)."""
    user = context["request"].user
    return recognition.wall(user, cycle=cycle).filter(receivers=person).count()


@register.simple_tag(takes_context=True)
def team_recognitions(context, team, cycle=None) -> int:
    """Recognitions the team's people (and those of the teams below) received in `cycle`."""
    user = context["request"].user
    return recognition.wall(user, team=team, cycle=cycle).count()
