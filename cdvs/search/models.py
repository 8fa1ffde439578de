"""The search index: one row per searchable object, filled by `cdvs.search.index`
from what each app declares (`cdvs.search.registry`), never written by hand.

The full-text part lives beside it: on PostgreSQL the `vector` column (French
configuration with unaccent, GIN index); on SQLite the FTS5 table `search_fts`
(rowid = entry id). Both are created by the migration `0002_fulltext`.
"""

from django.contrib.postgres.search import SearchVectorField
from django.db import models

from cdvs.accounts.permissions import filter_searchable
from cdvs.accounts.visibility import Visible, VisibleQuerySet, visibility_field


class SearchEntryQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        """What `user` may find: by visibility, and a coordination entry only for the
        coordinators of its territory (`filter_searchable`)."""
        return filter_searchable(user, self)


class SearchEntry(Visible):
    kind = models.CharField("type", max_length=40)
    object_id = models.PositiveBigIntegerField("objet")
    title = models.CharField("titre", max_length=500)
    body = models.TextField("texte", blank=True)
    url = models.CharField("adresse", max_length=500)
    date = models.DateField("date", null=True, blank=True)
    visibility = visibility_field(default=models.NOT_PROVIDED)
    scope_territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire de coordination",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name="organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    territory_ids = models.JSONField("territoires", default=list, blank=True)
    enjeux = models.JSONField("enjeux", default=list, blank=True)
    indexed_at = models.DateTimeField("indexé le", auto_now=True)
    # PostgreSQL only (French configuration); stays empty on SQLite
    vector = SearchVectorField(null=True, editable=False)

    # where `cdvs.accounts.permissions` finds whose coordinators may read a
    # coordination entry
    scope_territory_path = "scope_territory"

    objects = SearchEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée de l'index de recherche"
        verbose_name_plural = "entrées de l'index de recherche"
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_one_entry")
        ]
        indexes = [
            models.Index(fields=["visibility", "kind"], name="search_visibility_kind"),
            # newest first (browsing, and the candidates of a very wide search)
            models.Index(fields=["date", "id"], name="search_date_id"),
        ]

    def __str__(self):
        return f"{self.kind} {self.object_id} : {self.title}"

    def is_visible_to(self, user) -> bool:
        return SearchEntry.objects.filter(pk=self.pk).visible_to(user).exists()


class SearchTag(models.Model):
    """Filter values of an entry, as words: `t:<territory id>`, `e:<enjeu number>`."""

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(max_length=24)

    class Meta:
        indexes = [models.Index(fields=["tag", "entry"], name="search_tag_entry")]

    def __str__(self):
        return self.tag
