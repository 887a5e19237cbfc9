from django import forms

from stretch.social.models import NotificationPreference


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = [
            "email_reminders",
            "weekly_digest",
            "email_digest",
            "on_mention",
            "on_comment",
            "on_check_in",
            "on_request",
            "on_off_track",
            "on_recognition",
            "email_activity",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A form posted without the choice (an older page, a script) keeps the saved one.
        self.fields["email_activity"].required = False

    def clean_email_activity(self):
        return self.cleaned_data.get("email_activity") or self.instance.email_activity
