"""The one way to show what happened to an object: every historical record
(django-simple-history) with who, when, what kind of change and, field by field, the
value before and after. Used by every app's history page with `core/history.html`."""

from django.shortcuts import render

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
