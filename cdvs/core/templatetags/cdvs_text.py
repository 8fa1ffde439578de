from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

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
