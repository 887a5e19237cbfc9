"""Administrators may see that a conversation exists (who, title, cadence), nothing of
its content: no agenda, notes, private notes or action items are registered here, and
deleting a conversation names only the conversation (with a count of what goes with it)."""

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

    def get_deleted_objects(self, objs, request):
        """Django's confirmation lists every related row by its text (agenda items and
        action items are their words); keep the conversations, drop the nested content."""
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        named = [item for item in deleted if not isinstance(item, list)]
        return named, counts, perms_needed, protected
