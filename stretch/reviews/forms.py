"""The review form: the four questions, and the version the writer started from."""

from django import forms
from django.utils.translation import gettext_lazy as _

from stretch.reviews.services import MAX_TEXT

QUESTIONS = {
    "went_well": _("What went well"),
    "went_badly": _("What did not"),
    "learned": _("What we learned"),
    "change_next": _("What we change"),
}


def _answer(name: str) -> forms.CharField:
    return forms.CharField(
        label=QUESTIONS[name],
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewForm(forms.Form):
    went_well = _answer("went_well")
    went_badly = _answer("went_badly")
    learned = _answer("learned")
    change_next = _answer("change_next")
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class CarryOverForm(forms.Form):
    cycle = forms.IntegerField(min_value=1)
