"""The two steps every trash shares: confirm then trash, and restore. Each app checks
its permission and finds the object; these record who and why in the history."""

from django.contrib import messages
from django.shortcuts import redirect, render


def confirm_trash(
    request, obj, *, heading, explanation, back, then, done, reason="Mis à la corbeille",
    breadcrumb=(),
):  # fmt: skip
    """GET: the confirmation page. POST: to the trash, a message, then `then`."""
    if request.method == "POST":
        obj.soft_delete(request.user, reason)
        messages.success(request, done)
        return redirect(then)
    return render(
        request,
        "core/confirm_trash.html",
        {
            "heading": heading,
            "explanation": explanation,
            "back": back,
            "breadcrumb": breadcrumb,
        },
    )


def restore_from_trash(request, obj, *, then, done, reason="Restauré"):
    """POST only: back from the trash (nothing happens if it is not in it)."""
    if obj.is_deleted:
        obj.restore(request.user, reason)
        messages.success(request, done)
    return redirect(then)
