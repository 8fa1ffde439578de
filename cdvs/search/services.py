"""Searching the index: what a reader may see, filtered, ranked, with snippets."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F
from django.db.models.functions import Left, Length

from cdvs.territories.models import Territory

from . import backends, registry, text
from .models import SearchEntry, SearchTag

PAGE_SIZE = 20
COUNT_LIMIT = 1_000
SNIPPET_CHARS = 280


@dataclass
class Hit:
    id: int
    kind: str
    kind_label: str
    title: str
    title_html: str
    snippet_html: str
    url: str
    date: date | None
    visibility: str
    enjeux: list[int]
    territories: list[str]


@dataclass
class Results:
    query: str
    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    page: int = 1
    pages: int = 0
    searched: bool = False
    first: int = 1  # rank of the first result of the page
    capped: bool = False  # more than COUNT_LIMIT matches: counts are lower bounds
    ranked_recent: bool = False  # so many matches that only those found first are ranked

    @property
    def has_previous(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages


def filtered(user, *, enjeu=None, territory=None, start=None, end=None):
    """The entries `user` may find, with the filters other than the type."""
    qs = SearchEntry.objects.visible_to(user)
    if enjeu:
        qs = qs.filter(id__in=SearchTag.objects.filter(tag=f"e:{enjeu}").values("entry_id"))
    if territory:
        tags = [f"t:{t}" for t in {territory} | Territory.objects.descendants({territory})]
        qs = qs.filter(id__in=SearchTag.objects.filter(tag__in=tags).values("entry_id"))
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lte=end)
    return qs


def search(user, query="", *, kind=None, enjeu=None, territory=None, start=None, end=None,
           page=1, page_size=PAGE_SIZE) -> Results:  # fmt: skip
    """Ranked results (by relevance, or by date without words) for `user`, one page."""
    query = (query or "").strip()
    results = Results(query=query, page=max(1, page or 1))
    if not query and not (kind or enjeu or territory or start or end):
        return results
    results.searched = True
    backend = backends.current()
    qs = filtered(user, enjeu=enjeu, territory=territory, start=start, end=end)
    matched = backend.match(qs, query) if query else qs
    candidates = None
    if query and backend.vendor == "postgresql":
        # a word found almost everywhere: stop at COUNT_LIMIT matches (PostgreSQL would
        # otherwise read and rank every matching row); the page then says « plus de … »
        # and ranks the matches found first
        rows = list(matched.order_by().values_list("id", "kind")[: COUNT_LIMIT + 1])
        results.capped = len(rows) > COUNT_LIMIT
        rows = rows[:COUNT_LIMIT]
        results.counts = dict(Counter(k for _, k in rows))
        # every match when there are fewer: ranking them needs no second search
        candidates = [pk for pk, k in rows if not kind or k == kind]
    else:
        results.counts = dict(
            matched.order_by().values_list("kind").annotate(n=Count("id")).values_list("kind", "n")
        )
    results.total = results.counts.get(kind, 0) if kind else sum(results.counts.values())
    results.pages = max(1, -(-results.total // page_size))
    results.page = min(results.page, results.pages)
    offset = (results.page - 1) * page_size
    results.first = offset + 1
    if not results.total:
        return results
    scoped = qs.filter(kind=kind) if kind else qs
    if query:
        ids = backend.ranked_ids(scoped, query, offset, page_size, candidates=candidates)
        results.ranked_recent = results.capped
        snippets = backend.snippets(ids, query)
    else:
        ids = list(
            scoped.order_by(F("date").desc(nulls_last=True), "title", "id").values_list(
                "id", flat=True
            )[offset : offset + page_size]
        )
        snippets = {
            pk: start + (" …" if length > SNIPPET_CHARS else "")
            for pk, start, length in SearchEntry.objects.filter(id__in=ids).values_list(
                "id", Left("body", SNIPPET_CHARS), Length("body")
            )
        }
    results.hits = _hits(ids, snippets, query)
    return results


def _hits(ids, snippets, query) -> list[Hit]:
    entries = SearchEntry.objects.defer("body", "vector").in_bulk(ids)
    territory_ids = {t for e in entries.values() for t in e.territory_ids}
    names = dict(Territory.objects.filter(pk__in=territory_ids).values_list("pk", "name"))
    wanted = backends.parse(query).highlight if query else set()
    labels = registry.labels()
    hits = []
    for pk in ids:
        e = entries.get(pk)
        if e is None:
            continue
        snippet = snippets.get(pk)
        if snippet is None:
            snippet = ""
        hits.append(
            Hit(
                id=e.pk,
                kind=e.kind,
                kind_label=labels.get(e.kind, e.kind),
                title=e.title,
                title_html=text.marked_to_html(text.highlight(e.title, wanted)),
                snippet_html=text.marked_to_html(snippet),
                url=e.url,
                date=e.date,
                visibility=e.visibility,
                enjeux=list(e.enjeux),
                territories=sorted(names[t] for t in e.territory_ids if t in names),
            )
        )
    return hits
