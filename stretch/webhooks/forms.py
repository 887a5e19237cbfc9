"""The webhook form on the pages: it reads and shows the fields; `services.clean` judges."""

from django import forms
from django.utils.translation import gettext_lazy as _

from stretch.social.models import Activity
from stretch.webhooks.models import Webhook
from stretch.webhooks.services import DEFAULT_EVENTS


class WebhookForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    url = forms.CharField(
        label=_("URL"),
        max_length=1000,
        help_text=_("The chat's incoming webhook address, or your own HTTP endpoint."),
    )
    format = forms.ChoiceField(label=_("Format"), choices=Webhook.Format.choices)
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=Activity.Verb.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=DEFAULT_EVENTS,
    )
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @classmethod
    def for_webhook(cls, webhook: Webhook) -> "WebhookForm":
        return cls(
            initial={
                "name": webhook.name,
                "url": webhook.url,
                "format": webhook.format,
                "events": webhook.events,
                "active": webhook.active,
            }
        )

    def changes(self) -> dict:
        """What was sent (valid by the form's own measure), for the service to judge."""
        return dict(self.cleaned_data)
