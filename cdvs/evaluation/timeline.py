"""The bilans in the timeline of an action (`actions.timeline`, a registry: the actions
app never imports the evaluation app)."""

from django.urls import reverse

from cdvs.accounts.permissions import can
from cdvs.actions.timeline import Event, register

from .models import Bilan


@register
def bilan_events(action, user):
    """A bilan transmitted, for the readers of bilans (the porteur's people, the
    coordinators of the action's commune)."""
    if user is None:
        return []
    out = []
    for bilan in Bilan.objects.filter(action=action, submitted_on__isnull=False):
        bilan.action = action
        if can(user, "evaluation.view_bilans", bilan) or can(user, "evaluation.edit_bilan", bilan):
            url = reverse("evaluation:bilan", args=[bilan.pk])
            out.append(Event(bilan.submitted_on, f"Bilan {bilan.year} transmis", url))
    return out
