from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from cdvs.core import french
from cdvs.core.widgets import option_tags

register = template.Library()


@register.filter
def emphasise(text, part):
    """`text` escaped, with the first occurrence of `part` in bold (the seed's emphasis)."""
    text, part = str(text or ""), str(part or "")
    index = text.find(part) if part else -1
    if index < 0:
        return escape(text)
    end = index + len(part)
    return mark_safe(  # noqa: S308 — every piece is escaped
        f"{escape(text[:index])}<strong>{escape(part)}</strong>{escape(text[end:])}"
    )


@register.filter
def hour(value):
    """A time as every page writes it: « 14 h 00 » (see `cdvs.core.french.hour`)."""
    return french.hour(value) if value is not None else ""


@register.filter
def duration_fr(value):
    """A timedelta in French words: « 30 minutes », « 1 heure », « 2 heures et 15 minutes »."""
    if value is None:
        return ""
    minutes = round(value.total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours}\u00a0heure{'s' if hours > 1 else ''}")
    if minutes or not hours:
        parts.append(f"{minutes}\u00a0minute{'s' if minutes > 1 else ''}")
    return " et ".join(parts)


@register.filter
def options(choices, selected):
    """<option> elements for (value, label) pairs, the `selected` one marked (for
    hand-written filter forms; FastSelect does the same for Django forms)."""
    return option_tags(choices, set() if selected in (None, "") else {str(selected)})
