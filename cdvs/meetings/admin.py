from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from .models import CalendarFeedToken, Mailing, Meeting, MeetingSeries, NextStep, Unsubscription


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(SimpleHistoryAdmin):
    list_display = ["name", "commune", "period", "visibility"]
    list_filter = ["period", "visibility"]
    search_fields = ["name", "key"]
    raw_id_fields = ["section", "commune", "organiser", "feeds_into"]
    filter_horizontal = ["participants"]


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ["title", "day", "window_label", "status", "visibility", "sequence"]
    list_filter = ["status", "visibility"]
    search_fields = ["title", "uid"]
    date_hierarchy = "sort_date"
    raw_id_fields = ["series", "organiser", "enjeu"]
    readonly_fields = ["uid", "sequence", "sort_date"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(NextStep)
class NextStepAdmin(SimpleHistoryAdmin):
    list_display = ["what", "who", "due_date", "status"]
    list_filter = ["status"]
    raw_id_fields = ["meeting", "who_organisation", "enjeu"]


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "revoked_at", "last_used_at"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "last_used_at"]


@admin.register(Mailing)
class MailingAdmin(admin.ModelAdmin):
    list_display = ["meeting", "kind", "created_at", "sequence"]
    raw_id_fields = ["meeting", "sent_by"]
    readonly_fields = ["meeting", "kind", "recipients", "sent_by", "sequence", "created_at"]


@admin.register(Unsubscription)
class UnsubscriptionAdmin(SimpleHistoryAdmin):
    list_display = ["email", "series", "created_at"]
    search_fields = ["email"]
    list_filter = ["series"]
