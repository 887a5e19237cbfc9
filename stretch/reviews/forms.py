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


class ReviewForm(forms.Form):
    went_well = forms.CharField(
        label=QUESTIONS["went_well"],
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    went_badly = forms.CharField(
        label=QUESTIONS["went_badly"],
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    learned = forms.CharField(
        label=QUESTIONS["learned"],
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    change_next = forms.CharField(
        label=QUESTIONS["change_next"],
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class CarryOverForm(forms.Form):
    cycle = forms.IntegerField(min_value=1)
