"""`{% load activity %}`: an activity's sentence, detail and link (activity_text)."""

from django import template

from stretch.social import activity_text

register = template.Library()

register.filter("activity_sentence", activity_text.sentence)
register.filter("activity_detail", activity_text.detail)
register.filter("activity_path", activity_text.path)
