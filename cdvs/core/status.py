"""Objects that move along a table of allowed statuses (actions, ideas): one way to move
them, each move a dated `core.models.StatusChange` row with its reason, both saved with
their history."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from .history import save_with_history


def allowed(transitions: dict, status) -> list:
    """The statuses `transitions` (status → [statuses]) allows from `status`."""
    return list(transitions.get(status, []))


def move(obj, to_status: str, reason: str, user, *, transitions: dict, change_model,
         what: str, on=None):  # fmt: skip
    """Move `obj` to `to_status` if `transitions` allows it, recording the change
    (`change_model`, whose foreign key to `obj` is the object's model name). `what` names
    the object in the refusal (« Une action »). The caller checks the permission and
    whether its reason is required."""
    if to_status not in allowed(transitions, obj.status):
        raise ValidationError(
            f"{what} « {obj.get_status_display()} » ne peut pas passer à ce statut."
        )
    reason = (reason or "").strip()
    change = change_model(
        **{obj._meta.model_name: obj},
        from_status=obj.status,
        to_status=to_status,
        on=on or timezone.localdate(),
        reason=reason,
        by=user if user is not None and user.is_authenticated else None,
    )
    change.full_clean()
    save_with_history(change, user, reason or None)
    obj.status = to_status
    save_with_history(obj, user, reason or None, update_fields=["status"])
    return change
