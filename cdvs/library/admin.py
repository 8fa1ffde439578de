from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import DigestSubscription, NewsModeration


@admin.register(NewsModeration)
class NewsModerationAdmin(SimpleHistoryAdmin):
    list_display = ["commune", "moderated", "updated_at"]
    raw_id_fields = ["commune"]


@admin.register(DigestSubscription)
class DigestSubscriptionAdmin(SimpleHistoryAdmin):
    list_display = ["user", "active", "last_sent_at"]
    list_filter = ["active"]
    raw_id_fields = ["user"]
