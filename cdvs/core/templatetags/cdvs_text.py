from datetime import datetime

from django import template
from django.utils import timezone
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
    """A time as every page writes it: « 14 h 00 » (see `cdvs.core.french.hour`); an
    aware datetime gives its local hour."""
    return french.hour(value) if value not in (None, "") else ""


@register.filter
def hour_range(start, end):
    """`{{ start|hour_range:end }}` -> « 9 h 00 – 12 h 00 », never broken across lines."""
    return french.hour_range(start, end or None) if start not in (None, "") else ""


@register.filter
def date_fr(value, arg=""):
    """A date as every page writes it: « 1er mars 2025 »; `date_fr:"weekday"` gives
    « samedi 1er mars 2025 » (a datetime: its local date)."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return french.date_text(value, weekday=arg == "weekday")


@register.filter
def datetime_fr(value, arg=""):
    """« 1er mars 2025 à 14 h 00 » in local time; `datetime_fr:"weekday"` with the day."""
    if value in (None, ""):
        return ""
    return french.datetime_text(value, weekday=arg == "weekday")


@register.filter
def plural(value, arg="s"):
    """Django's `pluralize` with the French rule (0 and 1 singular): `{{ n|plural }}`,
    `{{ n|plural:"x" }}`, `{{ n|plural:"al,aux" }}` (singular suffix, plural suffix)."""
    singular, _, plural_suffix = arg.rpartition(",") if "," in arg else ("", "", arg)
    try:
        n = len(value) if hasattr(value, "__len__") else int(value)
    except (TypeError, ValueError):
        return singular
    return french.plural(n, singular, plural_suffix)


@register.filter
def euros(value):
    """« 1 710 € », « 2 500,50 € » (see `cdvs.core.french.euros`)."""
    return french.euros(value)


@register.filter
def number_fr(value, decimals=None):
    """« 1 234 », « 51,5 »: decimal comma, narrow no-break space between thousands."""
    if value in (None, ""):
        return ""
    return french.format_number(value, None if decimals in (None, "") else int(decimals))


@register.filter
def file_size(value):
    """« 25 Mo », « 850 octets » (Django's `filesizeformat` says « 25,0 Mo »)."""
    return french.file_size(value)


@register.filter
def file_type(mime):
    """« un fichier exécutable », never « application/x-msdownload »."""
    return french.file_type_name(mime)


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
