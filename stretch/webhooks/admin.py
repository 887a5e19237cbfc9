from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from stretch.webhooks import services
from stretch.webhooks.models import Attempt, Delivery, Webhook


class WebhookAdminForm(forms.ModelForm):
    """The same rules as the pages and the API: http(s), not Stretch itself, known events."""

    url = forms.CharField(max_length=1000)

    class Meta:
        model = Webhook
        fields = ["team", "name", "url", "format", "events", "active"]

    def clean(self):
        data = super().clean()
        given = {k: data[k] for k in ("name", "url", "format", "events") if k in data}
        data.update(services.clean(given))
        return data


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookAdminForm
    list_display = ["name", "team", "format", "active", "created_at"]
    list_filter = ["format", "active"]
    search_fields = ["name", "url", "team__name"]
    readonly_fields = ["secret", "created_by", "created_at"]
    autocomplete_fields = ["team"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class AttemptInline(admin.TabularInline):
    model = Attempt
    extra = 0
    can_delete = False
    readonly_fields = ["at", "status_code", "error", "duration_ms"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.action(description=_("Retry now"))
def retry_now(modeladmin, request, queryset):
    retried = 0
    for delivery in queryset.exclude(status=Delivery.Status.DELIVERED):
        services.retry(request.user, delivery)
        retried += 1
    modeladmin.message_user(
        request, _("%(n)s deliveries will be tried again now.") % {"n": retried}, messages.SUCCESS
    )


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "webhook",
        "event",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
    ]
    list_filter = ["status", "event"]
    list_select_related = ["webhook"]
    readonly_fields = [
        "webhook",
        "activity",
        "event",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_until",
        "last_status_code",
        "last_error",
        "delivered_at",
        "created_at",
    ]
    inlines = [AttemptInline]
    actions = [retry_now]

    def has_add_permission(self, request):
        return False
