from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _


class CheckInForm(forms.Form):
    value = forms.FloatField(label=_("New value"), required=False)
    done = forms.BooleanField(label=_("Done"), required=False)
    confidence = forms.IntegerField(label=_("Confidence (1-10)"), min_value=1, max_value=10)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form's own fields, the rest above the form."""
    messages = getattr(error, "message_dict", {NON_FIELD_ERRORS: error.messages})
    for field, texts in messages.items():
        target = field if field in form.fields else None
        for text in texts:
            form.add_error(target, text)
