"""History (django-simple-history), written and read one way.

Writing: every save that the history must attribute goes through `save_with_history`
(or `mark_history` when someone else saves: a form or formset, a delete). One rule: the
author is the user given if signed in, otherwise nobody (None and AnonymousUser are both
recorded as None; the request's user is never guessed); no validation here, the forms
have validated (a service taking raw values calls `full_clean` itself).

Reading: every historical record with who, when, what kind of change and, field by
field, the value before and after. Used by every app's history page with
`core/history.html`."""

from django.shortcuts import render


def history_author(user):
    """The user a historical record names: a signed-in user, else nobody."""
    return user if user is not None and user.is_authenticated else None


def mark_history(obj, user, reason: str | None):
    """Who makes the next change to `obj` and why, for a save or delete done elsewhere.
    Kept on the instance: the many-to-many records written just after the save (a
    form's `save_m2m`, `.set()`) carry the same author and reason."""
    obj._history_user = history_author(user)
    obj._change_reason = reason
    return obj


def save_with_history(obj, user, reason: str | None, *, update_fields=None):
    """Save `obj` with its historical record naming `user` and `reason`; returns `obj`."""
    mark_history(obj, user, reason)
    obj.save(update_fields=update_fields)
    return obj


# bookkeeping fields that say nothing to a reader
ALWAYS_HIDDEN = {"seed_values", "updated_at", "search_text"}


def history_entries(obj, hidden=(), limit=500) -> list[dict]:
    """The records of `obj`, newest first, each with its field changes."""
    model = obj._meta.model
    records = list(
        obj.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : limit + 1
        ]
    )
    records.reverse()
    skipped = ALWAYS_HIDDEN | set(hidden)
    entries, previous = [], None
    for record in records:
        changes = []
        if previous is not None:
            for change in record.diff_against(previous).changes:
                if change.field in skipped:
                    continue
                field = model._meta.get_field(change.field)
                old, new = change.old, change.new
                if field.choices:
                    labels = dict(field.flatchoices)
                    old, new = labels.get(old, old), labels.get(new, new)
                changes.append({"field": field.verbose_name, "old": old, "new": new})
        entries.append({"record": record, "changes": changes})
        previous = record
    entries.reverse()
    # the oldest record read only serves as the base of the first difference
    return entries[:limit]


def history_page(request, obj, back: str, hidden=(), label: str = "", related=()):
    """The history page of `obj`; `related` adds sections for objects that belong to it,
    as (title, object) pairs (e.g. a meeting's minutes)."""
    sections = [
        {
            "title": str(label or obj._meta.verbose_name).capitalize(),
            "entries": history_entries(obj, hidden),
        }
    ]
    sections += [
        {"title": title, "entries": history_entries(other, hidden)}
        for title, other in related
        if other is not None
    ]
    return render(
        request,
        "core/history.html",
        {"obj": obj, "label": label or obj._meta.verbose_name, "sections": sections, "back": back},
    )
