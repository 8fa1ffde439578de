from django.contrib import admin

from .models import ScheduledRun


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    list_display = ["job", "period", "started_at", "finished_at", "failed"]
    list_filter = ["job", "failed"]
    readonly_fields = ["started_at", "finished_at", "output", "failed"]
