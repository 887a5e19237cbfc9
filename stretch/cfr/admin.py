"""Administrators may see that a conversation exists (who, title, cadence), nothing of
its content: no agenda, notes, private notes or action items are registered here."""

from django.contrib import admin

from stretch.cfr.models import Conversation


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["title", "person_a", "person_b", "cadence", "created_at"]
    fields = ["title", "person_a", "person_b", "cadence", "template"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
