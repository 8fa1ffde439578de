"""Who reads which action: the one answer for the pages, the exports, the API and the
search index (DESIGN.md, « who reads an action »).

- An action is **public** once its programmation is decided: status programmée, en
  cours or terminée, and either it went through no programmation (programmed by the
  coordination directly) or one of its requests belongs to a programmation arrêtée.
  Everyone reads a public action (anonymous visitors included; its amounts stay for
  the partners, `actions.view`).
- Any other action (projet, déposée, non retenue, abandonnée, or programmée in a
  programmation not yet arrêtée) is read by those who may edit it (`actions.edit`):
  the porteur's people, the coordinators whose scope covers its commune (a commune's
  coordinators see their volet, the MEL's see every volet) and the administrators.
"""

from django.db.models import Exists, OuterRef, Q

from cdvs.accounts.permissions import can, filter_allowed

from .models import Request, Status

PUBLIC_STATUSES = (Status.PROGRAMMED, Status.RUNNING, Status.DONE)


def public_condition() -> Q:
    """The condition on `Action` rows of a public action."""
    requests = Request.objects.filter(action=OuterRef("pk"))
    return Q(status__in=PUBLIC_STATUSES) & (
        ~Exists(requests) | Exists(requests.filter(programmation__decided_on__isnull=False))
    )


def is_public(action) -> bool:
    if action.status not in PUBLIC_STATUSES:
        return False
    requests = Request.objects.filter(action=action)
    return (
        not requests.exists() or requests.filter(programmation__decided_on__isnull=False).exists()
    )


def readable(user, queryset):
    """The actions of `queryset` that `user` may read, in one query."""
    return filter_allowed(user, "actions.edit", queryset) | queryset.filter(public_condition())


def can_read(user, action) -> bool:
    return can(user, "actions.edit", action) or is_public(action)


def visible_lines(user, action, lines):
    """The funding lines of `action` whose amounts `user` may read: lines under
    instruction (no decision yet) for the coordination only."""
    if can(user, "actions.view_instruction", action):
        return list(lines)
    return [line for line in lines if not line.under_instruction]
