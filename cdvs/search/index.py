"""Writes of the search index (the only code that writes `SearchEntry`).

`refresh(source, pks)` recomputes entries from the source's queryset and `to_entry`;
`write(kind, rows)` stores ready-made entries (the rebuild and the benchmark use it);
`remove(kind, pks)` drops entries. The full-text side (PostgreSQL vector, SQLite FTS5
rows) is kept in step by the database backend (`cdvs.search.backends`).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import date as Date

from django.db import models, transaction
from django.utils import timezone

from cdvs.accounts.permissions import Visibility

from . import backends
from .models import SearchEntry, SearchTag
from .text import clean

MAX_BODY = 200_000
MAX_TITLE = 500
BATCH = 500


@dataclass
class Entry:
    title: str
    url: str
    body: str = ""
    date: Date | None = None
    visibility: str = Visibility.PUBLIC
    scope_territory_id: int | None = None
    organisation_id: int | None = None
    territory_ids: Iterable[int] = ()
    enjeux: Iterable[int] = ()

    def __post_init__(self):
        if self.visibility not in Visibility.values:
            raise ValueError(f"Visibilité inconnue : {self.visibility!r}")
        self.territory_ids = sorted({int(t) for t in self.territory_ids if t is not None})
        self.enjeux = sorted({int(n) for n in self.enjeux if n is not None})


@dataclass
class SearchSource:
    kind: str
    label: str
    queryset: Callable[[], models.QuerySet] | models.QuerySet
    to_entry: Callable[[models.Model], Entry | None]
    triggers: dict = field(default_factory=dict)

    def get_queryset(self) -> models.QuerySet:
        qs = self.queryset() if callable(self.queryset) else self.queryset
        return qs.all()

    @property
    def model(self):
        return self.get_queryset().model


def refresh(source: SearchSource, pks) -> int:
    """Recompute the entries of these objects (none for objects no longer searchable)."""
    pks = list(dict.fromkeys(int(pk) for pk in pks))
    if len(pks) > BATCH:  # bounded queries (SQLite limits the parameters of one)
        return sum(refresh(source, pks[i : i + BATCH]) for i in range(0, len(pks), BATCH))
    if not pks:
        return 0
    rows, gone = [], []
    found = source.get_queryset().in_bulk(pks)
    for pk in pks:
        obj = found.get(pk)
        entry = source.to_entry(obj) if obj is not None else None
        if entry is None:
            gone.append(pk)
        else:
            rows.append((pk, entry))
    remove(source.kind, gone)
    write(source.kind, rows)
    return len(rows)


def remove(kind: str, pks) -> None:
    pks = list(pks)
    if pks:
        SearchEntry.objects.filter(kind=kind, object_id__in=pks).delete()


def _as_date(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value if isinstance(value, date) else None


@transaction.atomic
def write(kind: str, rows: list[tuple[int, Entry]]) -> None:
    """Store entries (replacing those of the same objects)."""
    if not rows:
        return
    remove(kind, [pk for pk, _ in rows])
    now = timezone.now()
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        entries = [
            SearchEntry(
                kind=kind,
                object_id=pk,
                title=clean(e.title)[:MAX_TITLE],
                body=clean(e.body)[:MAX_BODY],
                url=e.url,
                date=_as_date(e.date),
                visibility=e.visibility,
                scope_territory_id=e.scope_territory_id,
                organisation_id=e.organisation_id,
                territory_ids=list(e.territory_ids),
                enjeux=list(e.enjeux),
                indexed_at=now,
            )
            for pk, e in chunk
        ]
        SearchEntry.objects.bulk_create(entries)
        if any(e.pk is None for e in entries):  # databases that return no ids
            ids = dict(
                SearchEntry.objects.filter(
                    kind=kind, object_id__in=[e.object_id for e in entries]
                ).values_list("object_id", "id")
            )
            for e in entries:
                e.pk = ids[e.object_id]
        tags = [
            SearchTag(entry_id=entry.pk, tag=tag)
            for entry, (_, e) in zip(entries, chunk, strict=True)
            for tag in [*(f"t:{t}" for t in e.territory_ids), *(f"e:{n}" for n in e.enjeux)]
        ]
        SearchTag.objects.bulk_create(tags, batch_size=2000)
        backends.current().indexed(entries)
