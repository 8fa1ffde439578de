from django.contrib import admin

from .models import Heartbeat, ScheduledRun


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    list_display = ["job", "period", "started_at", "finished_at", "failed"]
    list_filter = ["job", "failed"]
    readonly_fields = ["started_at", "finished_at", "output", "failed"]


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "beat_at"]
    readonly_fields = ["name", "beat_at"]
