"""`{% load comment_tags %}`: how many comments a check-in has, from the page's counts."""

from django import template

register = template.Library()


@register.filter
def comments_on(counts, check_in_id) -> int:
    """`{{ check_in_comments|comments_on:entry.pk }}`: 0 when it has none (or no counts)."""
    return (counts or {}).get(check_in_id, 0)
