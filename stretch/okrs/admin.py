from django.contrib import admin

from stretch.okrs.models import CheckIn, Cycle, KeyResult, MilestoneStep, Objective


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["name", "start", "end", "status", "cadence"]
    list_filter = ["status"]


class KeyResultInline(admin.TabularInline):
    model = KeyResult
    extra = 0
    fields = ["title", "kind", "direction", "start", "target", "current", "weight", "owner"]
    autocomplete_fields = ["owner"]


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["title", "cycle", "owner_person", "owner_team", "kind", "visibility", "status"]
    list_filter = ["cycle", "kind", "visibility", "status"]
    search_fields = ["title"]
    autocomplete_fields = ["owner_person", "owner_team", "parent"]
    inlines = [KeyResultInline]


class StepInline(admin.TabularInline):
    model = MilestoneStep
    extra = 0


@admin.register(KeyResult)
class KeyResultAdmin(admin.ModelAdmin):
    list_display = ["title", "objective", "kind", "current", "target", "confidence"]
    search_fields = ["title"]
    autocomplete_fields = ["objective", "owner"]
    inlines = [StepInline]


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["key_result", "value", "confidence", "author", "created_at"]
    autocomplete_fields = ["key_result", "author"]
