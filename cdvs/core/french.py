"""French text, written once: the names of days and months, a date and an hour as the
pages write them, and the folding of accents and case that search and imports share.

The names are Django's own (`django.utils.dates` in the `fr` catalogue, checked by a
test), spelt out here as plain strings because model choices and migrations need them
before translations are ready. Templates keep using Django's `date` filter.
"""

import re
import unicodedata
from datetime import date, time

# date.weekday() order: Monday is 0
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
# month 1 is MONTHS[0]
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)

_WORD = re.compile(r"[a-z0-9]+")


def day_number(n: int) -> str:
    """1 -> « 1er », 3 -> « 3 »."""
    return "1er" if n == 1 else str(n)


def date_text(day: date, weekday: bool = False) -> str:
    """« 3 mars 2025 », « 1er mars 2025 »; with `weekday`, « lundi 3 mars 2025 »."""
    text = f"{day_number(day.day)} {MONTHS[day.month - 1]} {day.year}"
    return f"{WEEKDAYS[day.weekday()]} {text}" if weekday else text


def hour(t: time) -> str:
    """The one way an hour is written: « 14 h 00 », « 9 h 30 »."""
    return f"{t.hour} h {t.minute:02d}"


def fold(text: str) -> str:
    """Lower case, without accents; œ and æ spelt out: « Œuvre ÉTÉ » -> « oeuvre ete »."""
    text = unicodedata.normalize("NFKD", text or "").casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("œ", "oe").replace("æ", "ae")


def words(text: str) -> list[str]:
    """The folded words of a text, punctuation dropped: « N° SIRET » -> ["n", "siret"]."""
    return _WORD.findall(fold(text))


def format_number(value: float, decimals: int = 2) -> str:
    """French notation: decimal comma, narrow no-break space between thousands."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u202f").replace(".", ",")
