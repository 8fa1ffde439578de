"""French text, written once: the names of days and months, a date and an hour as the
pages write them, and the folding of accents and case that search and imports share.

The names are Django's own (`django.utils.dates` in the `fr` catalogue, checked by a
test), spelt out here as plain strings because model choices and migrations need them
before translations are ready. Templates keep using Django's `date` filter.
"""

import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal

from django.utils import timezone

NBSP = "\u00a0"  # no-break space: inside « 14 h 00 », before « € »
NNBSP = "\u202f"  # narrow no-break space: before « : ; ? ! », between thousands

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


def hour(t: time | datetime) -> str:
    """The one way an hour is written: « 14 h 00 », « 9 h 30 », with no-break spaces so
    that it never breaks across lines. An aware datetime is read in local time."""
    if isinstance(t, datetime):
        t = (timezone.localtime(t) if timezone.is_aware(t) else t).time()
    return f"{t.hour}{NBSP}h{NBSP}{t.minute:02d}"


def hour_range(start: time, end: time | None) -> str:
    """« 9 h 00 – 12 h 00 », unbreakable; « 9 h 00 » without an end."""
    if end is None:
        return hour(start)
    return f"{hour(start)}{NBSP}–{NBSP}{hour(end)}"


def datetime_text(moment: datetime, weekday: bool = False) -> str:
    """« 3 mars 2025 à 14 h 00 » (local time), « lundi 3 mars 2025 à 14 h 00 »."""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return f"{date_text(moment.date(), weekday)} à {hour(moment.time())}"


def plural(n: int, singular: str, plural: str | None = None) -> str:
    """The French rule: 0 and 1 take the singular. plural(0, "résultat") -> « résultat »;
    the plural defaults to the singular plus « s »."""
    if abs(n) < 2:
        return singular
    return singular + "s" if plural is None else plural


def count(n: int, singular: str, plural_form: str | None = None) -> str:
    """« 0 résultat », « 1 ligne », « 1 234 lignes » (number and word held together)."""
    return f"{format_number(n, 0)}{NBSP}{plural(n, singular, plural_form)}"


def euros(value) -> str:
    """« 1 710 € », « 2 500,50 € »: narrow no-break thousands separator, no-break space
    before the sign, cents only when there are some. Decimal, never float."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    text = format_number(amount, 2)
    if text.endswith(",00"):
        text = text[:-3]
    return f"{text}{NBSP}€"


def sort_key(text) -> tuple[str, str]:
    """The French order of a list: accents and case folded (« École » among the E),
    ties broken by the text itself so that the order is stable."""
    text = str(text or "")
    return (fold(text), text)


def sorted_choices(choices):
    """(value, label) pairs in the French order of their labels; an empty value (the
    « --- » placeholder) stays first."""
    choices = list(choices)
    head = [c for c in choices if c[0] in ("", None)]
    rest = [c for c in choices if c[0] not in ("", None)]
    return head + sorted(rest, key=lambda c: sort_key(c[1]))


def file_size(size: int) -> str:
    """A file size as people say it: « 850 octets », « 12 ko », « 25 Mo », « 1,5 Go »
    (powers of 1 024, French unit names, decimal comma)."""
    size = int(size or 0)
    if size < 1024:
        return f"{size}{NBSP}{plural(size, 'octet')}"
    value, units = size / 1024, ["ko", "Mo", "Go", "To"]
    while value >= 1024 and len(units) > 1:
        value, units = value / 1024, units[1:]
    unit = units[0]
    decimals = 0 if value >= 10 or value == int(value) else 1
    return f"{format_number(value, decimals)}{NBSP}{unit}"


# The names people know file types by. A type outside this table is named by its
# family (« une image », « une vidéo »), never by its MIME type.
FILE_TYPE_NAMES = {
    "application/pdf": "un document PDF",
    "application/msword": "un document Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("un document Word"),
    "application/vnd.ms-excel": "un tableur Excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "un tableur Excel",
    "application/vnd.ms-powerpoint": "une présentation PowerPoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "une présentation PowerPoint"
    ),
    "application/vnd.oasis.opendocument.text": "un document OpenDocument (ODT)",
    "application/vnd.oasis.opendocument.spreadsheet": "un tableur OpenDocument (ODS)",
    "application/vnd.oasis.opendocument.presentation": "une présentation OpenDocument (ODP)",
    "application/zip": "une archive ZIP",
    "application/x-zip-compressed": "une archive ZIP",
    "application/x-rar-compressed": "une archive RAR",
    "application/vnd.rar": "une archive RAR",
    "application/x-7z-compressed": "une archive 7-Zip",
    "application/gzip": "une archive compressée",
    "application/x-tar": "une archive",
    "application/x-msdownload": "un fichier exécutable",
    "application/x-dosexec": "un fichier exécutable",
    "application/vnd.microsoft.portable-executable": "un fichier exécutable",
    "application/x-executable": "un fichier exécutable",
    "application/x-elf": "un fichier exécutable",
    "application/x-mach-binary": "un fichier exécutable",
    "application/x-sh": "un script",
    "application/x-shellscript": "un script",
    "application/javascript": "un script",
    "text/javascript": "un script",
    "application/x-msi": "un programme d'installation",
    "application/x-ms-installer": "un programme d'installation",
    "application/java-archive": "un programme Java",
    "text/html": "une page web (HTML)",
    "text/plain": "un fichier texte",
    "text/csv": "un tableau CSV",
    "application/json": "un fichier de données (JSON)",
    "application/xml": "un fichier de données (XML)",
    "text/xml": "un fichier de données (XML)",
    "image/svg+xml": "une image SVG",
    "application/octet-stream": "un fichier d'un type inconnu",
}
FILE_FAMILY_NAMES = {
    "image": "une image",
    "video": "une vidéo",
    "audio": "un fichier audio",
    "font": "une police de caractères",
    "text": "un fichier texte",
}


def file_type_name(mime: str) -> str:
    """« application/x-msdownload » -> « un fichier exécutable »: what a page says of a
    file's type (never the MIME type itself)."""
    mime = (mime or "").split(";")[0].strip().lower()
    if mime in FILE_TYPE_NAMES:
        return FILE_TYPE_NAMES[mime]
    family = mime.split("/")[0]
    return FILE_FAMILY_NAMES.get(family, "un fichier d'un type non reconnu")


def fold(text: str) -> str:
    """Lower case, without accents; œ and æ spelt out: « Œuvre ÉTÉ » -> « oeuvre ete »."""
    text = unicodedata.normalize("NFKD", text or "").casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.replace("œ", "oe").replace("æ", "ae")


def words(text: str) -> list[str]:
    """The folded words of a text, punctuation dropped: « N° SIRET » -> ["n", "siret"]."""
    return _WORD.findall(fold(text))


def format_number(value, decimals: int | None = 2) -> str:
    """French notation: decimal comma, narrow no-break space between thousands.
    `decimals=None`: as many as the value needs (51.5 -> « 51,5 », 3 -> « 3 »)."""
    if decimals is None:
        value = Decimal(str(value))
        text = f"{value:,f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    else:
        text = f"{value:,.{decimals}f}"
    return text.replace(",", NNBSP).replace(".", ",")


# « : ; ? ! » take a narrow no-break space before them. In a page, the ordinary space
# typed before them (in a template, a message, a label, a fiche) is made narrow and
# unbreakable when the page is sent (`cdvs.core.middleware.FrenchPunctuation`); what
# must stay as typed is left alone: tags and their attributes, comments, <script>,
# <style>, <pre>, <code>, <textarea>.
_PUNCTUATION_SPACE = re.compile(r" (?=[:;?!](?:[\s<&»)\"',.]|$))")
_PUNCTUATION_TEXT = re.compile(r"(?<=\S) ([:;?!])(?=[\s»)\"',.]|$)", re.M)
_VERBATIM = re.compile(r"<(script|style|pre|code|textarea)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)


def _typed_spaces(html: str) -> list[int]:
    """Where an ordinary space stands before « : ; ? ! » in the text of `html` (its
    tags, comments and verbatim elements left out)."""
    found = [
        m.start()
        for m in _PUNCTUATION_SPACE.finditer(html)
        if m.start()
        and not html[m.start() - 1].isspace()
        # not inside a tag (an attribute's value)
        and html.rfind("<", 0, m.start()) <= html.rfind(">", 0, m.start())
    ]
    if not found:
        return []
    spaces, verbatim = [], _VERBATIM.finditer(html)
    region = next(verbatim, None)
    for at in found:
        while region is not None and region.end() <= at:
            region = next(verbatim, None)
        if region is None or at < region.start():
            spaces.append(at)
    return spaces


def punctuate(html: str) -> str:
    """« Statut : ouvert » -> « Statut\u202f: ouvert » in the text of an HTML page."""
    spaces = _typed_spaces(html)
    if not spaces:
        return html
    parts, last = [], 0
    for at in spaces:
        parts += [html[last:at], NNBSP]
        last = at + 1
    parts.append(html[last:])
    return "".join(parts)


def punctuate_text(text: str) -> str:
    """The same rule for plain text (an e-mail's text part, a subject)."""
    return _PUNCTUATION_TEXT.sub(NNBSP + r"\1", text)
