"""French-aware text processing shared by the SQLite index and the snippets.

Both the indexed text and the query go through `terms()`: accents and case folded,
French stop words dropped, each word reduced to its Snowball French stem, so that
"ecole" finds "École", "jeunes" finds "jeune" and "formations" finds "formation".
PostgreSQL does the same with its `french_unaccent` text search configuration
(unaccent, then the Snowball French stemmer, then its French stop words).
"""

import re
import threading
from functools import lru_cache

import snowballstemmer
from django.utils.html import escape

from cdvs.core.french import fold

WORD = re.compile(r"\w+")
# PostgreSQL's French stop words (tsearch_data/french.stop, from Snowball), folded
STOP_WORDS = frozenset(
    [
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "eux",
        "il",
        "je",
        "la",
        "le",
        "leur",
        "lui",
        "ma",
        "mais",
        "me",
        "meme",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "c",
        "d",
        "j",
        "l",
        "a",
        "m",
        "n",
        "s",
        "t",
        "y",
        "ete",
        "etee",
        "etees",
        "etes",
        "etant",
        "etante",
        "etants",
        "etantes",
        "suis",
        "es",
        "est",
        "sommes",
        "sont",
        "serai",
        "seras",
        "sera",
        "serons",
        "serez",
        "seront",
        "serais",
        "serait",
        "serions",
        "seriez",
        "seraient",
        "etais",
        "etait",
        "etions",
        "etiez",
        "etaient",
        "fus",
        "fut",
        "fumes",
        "futes",
        "furent",
        "sois",
        "soit",
        "soyons",
        "soyez",
        "soient",
        "fusse",
        "fusses",
        "fussions",
        "fussiez",
        "fussent",
        "ayant",
        "ayante",
        "ayantes",
        "ayants",
        "eu",
        "eue",
        "eues",
        "eus",
        "ai",
        "as",
        "avons",
        "avez",
        "ont",
        "aurai",
        "auras",
        "aura",
        "aurons",
        "aurez",
        "auront",
        "aurais",
        "aurait",
        "aurions",
        "auriez",
        "auraient",
        "avais",
        "avait",
        "avions",
        "aviez",
        "avaient",
        "eut",
        "eumes",
        "eutes",
        "eurent",
        "aie",
        "aies",
        "ait",
        "ayons",
        "ayez",
        "aient",
        "eusse",
        "eusses",
        "eut",
        "eussions",
        "eussiez",
        "eussent",
    ]
)
# markers around the matched words of a snippet, before escaping (never in the index)
MARK_START, MARK_END = "\ue000", "\ue001"

_local = threading.local()


def _stemmer():
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = snowballstemmer.stemmer("french")
    return stemmer


@lru_cache(maxsize=100_000)
def stem(word: str) -> str:
    """The stem of one folded word ("" for a stop word)."""
    if word in STOP_WORDS:
        return ""
    stemmed = _stemmer().stemWord(word)
    return "" if stemmed in STOP_WORDS else stemmed


@lru_cache(maxsize=200_000)
def term_of(word: str) -> str:
    """The term of one word as written ("" for a stop word)."""
    return stem(fold(word))


def terms(text: str) -> list[str]:
    """The searchable terms of a text, in order."""
    return [s for s in (stem(w) for w in WORD.findall(fold(text))) if s]


def index_text(text: str) -> str:
    return " ".join(terms(text))


def clean(text: str) -> str:
    """Text as stored in the index: without the snippet markers."""
    return (text or "").replace(MARK_START, "").replace(MARK_END, "")


def marked_to_html(text: str) -> str:
    """Escape a text whose matches are between the markers; only <mark> survives."""
    return escape(text).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def highlight(text: str, wanted: set[str], words: int = 0, scan: int = 200_000) -> str:
    """Mark the words of `text` whose stem is in `wanted` (markers, not HTML).

    With `words` > 0, return only the passage of about that many words holding the
    most matches (« … » where text is cut). Only the first `scan` characters are
    looked at, so a very long document costs a bounded time."""
    text = text or ""
    if words and len(text) > scan:
        text = text[:scan]
    spans = [(m.start(), m.end(), term_of(m.group()) in wanted) for m in WORD.finditer(text)]
    first, last = 0, len(spans)
    if words and len(spans) > words:
        hits = [1 if hit else 0 for _, _, hit in spans]
        best, best_start, current = -1, 0, sum(hits[:words])
        for start in range(0, len(spans) - words + 1):
            if start:
                current += hits[start + words - 1] - hits[start - 1]
            if current > best:
                best, best_start = current, start
        # start a few words before the first match of the passage
        if best > 0:
            hit = next(i for i in range(best_start, len(hits)) if hits[i])
            first = max(0, min(hit - 3, len(spans) - words))
        last = min(len(spans), first + words)
    if not spans:
        return text[:400] if words else text
    begin = 0 if first == 0 else spans[first][0]
    end = len(text) if last == len(spans) else spans[last - 1][1]
    out, pos = [], begin
    for s, e, hit in spans[first:last]:
        if hit:
            out.append(text[pos:s] + MARK_START + text[s:e] + MARK_END)
            pos = e
    out.append(text[pos:end])
    result = "".join(out).strip()
    if begin > 0:
        result = "… " + result
    if end < len(text):
        result += " …"
    return result
