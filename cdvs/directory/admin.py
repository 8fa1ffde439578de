from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from .models import Contact, Organisation, Place


class PlaceInline(admin.TabularInline):
    model = Place
    extra = 0
    fields = ["name", "address", "postcode", "city", "lat", "lon"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "role", "email", "phone", "consent_at"]


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "territory", "last_confirmed_at"]
    list_filter = ["kind"]
    search_fields = ["name"]
    raw_id_fields = ["territory"]
    filter_horizontal = ["territories", "enjeux"]
    inlines = [PlaceInline, ContactInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(Place)
class PlaceAdmin(SimpleHistoryAdmin):
    list_display = ["name", "organisation", "classification", "territory"]
    raw_id_fields = ["organisation"]


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    list_display = ["name", "organisation", "role"]
    raw_id_fields = ["organisation"]
