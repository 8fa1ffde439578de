"""Minimal organisation pages: the public list and fiche, the members list (personal
data: for the organisation's people and its coordinators only)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from cdvs.accounts import permissions
from cdvs.accounts.models import Invitation

from .models import Organisation


def organisation_list(request):
    permissions.require(request.user, "directory.view")
    organisations = Organisation.objects.select_related("territory")
    mine = set()
    if request.user.is_authenticated:
        mine = set(request.user.memberships.values_list("organisation_id", flat=True))
    return render(
        request,
        "directory/organisation_list.html",
        {"organisations": organisations, "mine": mine},
    )


def organisation_detail(request, pk):
    permissions.require(request.user, "directory.view")
    organisation = get_object_or_404(Organisation.objects.select_related("territory"), pk=pk)
    return render(
        request,
        "directory/organisation_detail.html",
        {
            "organisation": organisation,
            "may_view_members": permissions.can(
                request.user, "accounts.view_members", organisation
            ),
            "may_invite": permissions.can(request.user, "accounts.invite", organisation),
        },
    )


@login_required
def organisation_members(request, pk):
    organisation = get_object_or_404(Organisation.objects.select_related("territory"), pk=pk)
    permissions.require(request.user, "accounts.view_members", organisation)
    memberships = organisation.memberships.select_related("user").order_by(
        "user__last_name", "user__first_name", "user__email"
    )
    may_invite = permissions.can(request.user, "accounts.invite", organisation)
    invitations = (
        Invitation.objects.pending().filter(organisation=organisation).select_related("invited_by")
        if may_invite
        else Invitation.objects.none()
    )
    return render(
        request,
        "directory/organisation_members.html",
        {
            "organisation": organisation,
            "memberships": memberships,
            "may_invite": may_invite,
            "invitations": invitations,
        },
    )
