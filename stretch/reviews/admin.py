from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from stretch.reviews.models import Review


@admin.register(Review)
class ReviewAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "cycle", "kind", "author", "diagnosis", "updated_at"]
    list_filter = ["cycle", "kind", "diagnosis"]
    raw_id_fields = ["objective", "team", "author"]
    readonly_fields = ["diagnosis", "diagnosis_data", "explanation", "version"]
