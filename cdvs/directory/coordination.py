"""Coordination pages of the directory: fiches to refresh, fiches nobody keeps."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from cdvs.accounts import permissions

from .models import Organisation


@login_required
def stale(request):
    permissions.require(request.user, "directory.coordinate")
    base = permissions.filter_allowed(
        request.user, "directory.coordinate", Organisation.objects.select_related("territory")
    )
    return render(
        request,
        "directory/coordination_stale.html",
        {
            "stale": base.stale().order_by("last_confirmed_at", "name"),
            "orphaned": base.orphaned().order_by("name"),
        },
    )
