"""The reviews section of the objective page, without touching the objective view."""

from django import template

from stretch.reviews import views

register = template.Library()


@register.simple_tag(takes_context=True)
def objective_reviews(context, objective) -> dict:
    """`{% objective_reviews objective as section %}`: the reviews, origin, copies and
    carry-over target of the page's (annotated) objective."""
    return views.objective_section(context["request"], objective)
