"""The full-text part of the index, per database.

PostgreSQL: the `vector` column (title weighted A, body B) in the `french_unaccent`
text search configuration (unaccent, then Snowball French), a GIN index, queries in
`websearch` syntax, `ts_rank` for the order and `ts_headline` for the snippets.

SQLite: an FTS5 table `search_fts(title, body)` (rowid = entry id, tokenizer
`unicode61 remove_diacritics 2`) holding the texts reduced to their French stems in
Python (`cdvs.search.text`): the query goes through the same function, so accents,
case, plurals and stemming work both ways; `bm25` ranks; snippets are cut and
highlighted in Python on the original text. A trigger deletes the FTS row of a
deleted entry. The same small websearch syntax is understood: words (all required),
"exact phrase", -excluded, `or`.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F
from django.db.models.expressions import RawSQL

from . import text
from .models import SearchEntry

PG_CONFIG = "french_unaccent"
TITLE_WEIGHT, BODY_WEIGHT = 5.0, 1.0


@dataclass
class ParsedQuery:
    """The user's query, understood: FTS5 expression (SQLite) and stems to highlight."""

    fts: str | None
    highlight: set[str]


_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def parse(query: str) -> ParsedQuery:
    """websearch-like: words are all required, "a phrase", -word excludes, or."""
    groups: list[list[str]] = []  # OR-groups of positive items (each an FTS phrase)
    negatives: list[str] = []
    wanted: set[str] = set()
    pending_or = False
    for match in _TOKEN.finditer(query or ""):
        neg, phrase, word = match.groups()
        if word is not None and word.lower() == "or":
            pending_or = bool(groups)
            continue
        if word is not None and word.startswith("-") and len(word) > 1:
            neg, word = "-", word[1:]
        stems = text.terms(phrase if phrase is not None else word)
        if not stems:
            continue
        item = '"' + " ".join(stems) + '"'
        if neg:
            negatives.append(item)
            pending_or = False
            continue
        wanted.update(stems)
        if pending_or:
            groups[-1].append(item)
        else:
            groups.append([item])
        pending_or = False
    if not groups:
        return ParsedQuery(None, wanted)
    expr = " AND ".join(g[0] if len(g) == 1 else "(" + " OR ".join(g) + ")" for g in groups)
    for item in negatives:
        expr = f"({expr}) NOT {item}"
    return ParsedQuery(expr, wanted)


class Backend:
    vendor = ""

    def indexed(self, entries) -> None:
        """The entries were just written: update the full-text side."""

    def match(self, queryset, query: str):
        raise NotImplementedError

    def ranked_ids(
        self, queryset, query: str, offset: int, limit: int, candidates=None
    ) -> list[int]:
        raise NotImplementedError

    def snippets(self, ids, query: str) -> dict[int, str]:
        """entry id -> body passage with markers around the matches."""
        raise NotImplementedError


class PostgresBackend(Backend):
    vendor = "postgresql"

    def _query(self, query):
        return SearchQuery(query, config=PG_CONFIG, search_type="websearch")

    def indexed(self, entries):
        SearchEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
            vector=SearchVector("title", weight="A", config=PG_CONFIG)
            + SearchVector("body", weight="B", config=PG_CONFIG)
        )

    def match(self, queryset, query):
        return queryset.filter(vector=self._query(query))

    def ranked_ids(self, queryset, query, offset, limit, candidates=None):
        """Ranked by ts_rank, among `candidates` when given (the matches already
        found by `services.search`, at most its COUNT_LIMIT)."""
        q = self._query(query)
        matches = queryset.filter(vector=q)
        if candidates is not None:
            matches = queryset.model.objects.filter(id__in=candidates)
        return list(
            matches.annotate(rank=SearchRank(F("vector"), q, normalization=1))
            .order_by("-rank", F("date").desc(nulls_last=True), "id")
            .values_list("id", flat=True)[offset : offset + limit]
        )

    def snippets(self, ids, query):
        rows = (
            SearchEntry.objects.filter(pk__in=list(ids))
            .annotate(
                snippet=SearchHeadline(
                    "body",
                    self._query(query),
                    config=PG_CONFIG,
                    start_sel=text.MARK_START,
                    stop_sel=text.MARK_END,
                    max_words=35,
                    min_words=15,
                    max_fragments=2,
                    fragment_delimiter=" … ",
                )
            )
            .values_list("id", "snippet")
        )
        return dict(rows)


class SQLiteBackend(Backend):
    vendor = "sqlite"

    def indexed(self, entries):
        rows = [(e.pk, text.index_text(e.title), text.index_text(e.body)) for e in entries]
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT OR REPLACE INTO search_fts(rowid, title, body) VALUES (%s, %s, %s)", rows
            )

    def match(self, queryset, query):
        parsed = parse(query)
        if parsed.fts is None:
            return queryset.none()
        return queryset.filter(
            id__in=RawSQL("SELECT rowid FROM search_fts WHERE search_fts MATCH %s", [parsed.fts])
        )

    def ranked_ids(self, queryset, query, offset, limit, candidates=None):
        parsed = parse(query)
        if parsed.fts is None:
            return []
        sub_sql, sub_params = queryset.order_by().values("id").query.sql_with_params()
        # the matches first (materialised: SQLite would otherwise run the MATCH once
        # per allowed row), then the reader's rows among them
        sql = (
            "WITH m AS MATERIALIZED (SELECT rowid AS id, "  # noqa: S608
            f"bm25(search_fts, {TITLE_WEIGHT}, {BODY_WEIGHT}) AS score "
            "FROM search_fts WHERE search_fts MATCH %s) "
            f"SELECT id FROM m WHERE id IN ({sub_sql}) ORDER BY score, id LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [parsed.fts, *sub_params, limit, offset])
            return [row[0] for row in cursor.fetchall()]

    def snippets(self, ids, query):
        wanted = parse(query).highlight
        bodies = SearchEntry.objects.filter(pk__in=list(ids)).values_list("id", "body")
        return {pk: text.highlight(body, wanted, words=35) for pk, body in bodies}


def current() -> Backend:
    if connection.vendor == "postgresql":
        return PostgresBackend()
    if connection.vendor == "sqlite":
        return SQLiteBackend()
    raise NotImplementedError(f"Recherche non prise en charge sur {connection.vendor}")
