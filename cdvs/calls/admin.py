from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from .models import CallAlertDelivery, CallForProjects, SavedSearch


@admin.register(CallForProjects)
class CallForProjectsAdmin(SimpleHistoryAdmin):
    list_display = ["title", "funder_name", "opens_on", "closes_on", "nature", "visibility"]
    list_filter = ["nature", "visibility", "recurrence"]
    search_fields = ["title", "funder_name"]
    raw_id_fields = ["funder", "commune"]
    filter_horizontal = ["territories", "enjeux"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(SavedSearch)
class SavedSearchAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "frequency", "active", "last_sent_at"]
    raw_id_fields = ["user"]


@admin.register(CallAlertDelivery)
class CallAlertDeliveryAdmin(admin.ModelAdmin):
    list_display = ["user", "call", "source", "sent_at"]
    raw_id_fields = ["user", "call", "saved_search"]
