from django import forms

from stretch.social.models import NotificationPreference


class PreferencesForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["email_reminders", "weekly_digest", "email_digest"]
