import shapely
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from cdvs.core.french import sort_key
from cdvs.core.models import LiveManager, LiveQuerySet, SoftDeletable


class Kind(models.TextChoices):
    EPCI = "epci", "EPCI"
    COMMUNE = "commune", "Commune"
    QPV = "qpv", "Quartier prioritaire (QPV)"
    PAC = "pac", "Périmètre d'attention complémentaire"


# after a name, in a list of choices: « Bizet-Briqueterie (QPV) »
SHORT_KIND_LABELS = {"epci": "EPCI", "commune": "commune", "qpv": "QPV", "pac": "PAC"}


class TerritoryQuerySet(LiveQuerySet):
    """The hierarchy is EPCI > communes (``parent``) > QPV and PAC; a QPV spanning
    several communes has the EPCI for parent and its communes in ``communes``. The
    walks below follow both links, one query per level, among the territories of
    this queryset (``Territory.objects``: live ones; ``all_objects``: every one)."""

    def descendants(self, ids) -> set[int]:
        """Ids of the territories inside `ids` (not `ids` themselves): the communes
        of an EPCI, the QPV and PAC of a commune, a QPV spanning it."""
        return self._walk(ids, lambda level: Q(parent_id__in=level) | Q(communes__in=level))

    def ancestors(self, ids) -> set[int]:
        """Ids of the territories holding `ids` (not `ids` themselves): a QPV's
        commune(s) and the EPCI, a commune's EPCI."""
        return self._walk(ids, lambda level: Q(children__in=level) | Q(priority_areas__in=level))

    def related(self, ids) -> set[int]:
        """`ids`, the territories holding them and those inside them: what concerns a
        territory (a call for a commune concerns its QPV, a call for a QPV the commune)."""
        ids = set(ids)
        return ids | self.ancestors(ids) | self.descendants(ids)

    def _walk(self, ids, step) -> set[int]:
        found, level = set(), set(ids)
        while level:
            level = set(self.filter(step(level)).values_list("pk", flat=True)) - found - set(ids)
            found |= level
        return found

    def of_kind(self, kind):
        return self.filter(kind=kind)

    def with_perimeter(self):
        return self.exclude(geometry="")

    def without_perimeter(self):
        return self.filter(geometry="")

    def choices(self, *, with_kind=False) -> list[tuple[int, str]]:
        """(pk, label) for a select, ordered by kind then name the French way (« Éterpigny »
        among the E), without loading the perimeters (real QPV outlines weigh hundreds
        of kilobytes each)."""
        rows = sorted(self.values_list("pk", "name", "kind"), key=lambda r: (r[2], sort_key(r[1])))
        return [
            (pk, f"{name} ({SHORT_KIND_LABELS[kind]})" if with_kind else name)
            for pk, name, kind in rows
        ]


class TerritoryManager(LiveManager.from_queryset(TerritoryQuerySet)):
    """Hides soft-deleted territories, like every SoftDeletable manager."""


class Territory(SoftDeletable):
    """The EPCI, its communes, the QPV (2024 geography) and the PAC.

    The perimeter is kept as GeoJSON geometry text in WGS84 (lon, lat): readable on
    every database, cached as shapely geometries for `locate()`.
    """

    kind = models.CharField("type", max_length=10, choices=Kind.choices)
    code = models.CharField(
        "code officiel",
        max_length=40,
        help_text="SIREN pour un EPCI, code INSEE pour une commune, code ANCT pour un QPV.",
    )
    name = models.CharField("nom", max_length=255)
    parent = models.ForeignKey(
        "self",
        verbose_name="rattaché à",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    communes = models.ManyToManyField(
        "self",
        verbose_name="communes couvertes",
        symmetrical=False,
        blank=True,
        related_name="priority_areas",
        limit_choices_to={"kind": Kind.COMMUNE},
    )
    geometry = models.TextField("périmètre (GeoJSON, WGS84)", blank=True, default="")
    geometry_source = models.CharField("source du périmètre", max_length=255, blank=True)
    bbox = models.JSONField("emprise", null=True, blank=True, editable=False)
    population = models.PositiveIntegerField("population municipale", null=True, blank=True)
    description = models.TextField("description", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TerritoryManager()
    all_objects = models.Manager.from_queryset(TerritoryQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "territoire"
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="territory_kind_code_unique")
        ]
        indexes = [models.Index(fields=["kind", "name"])]

    # for cdvs.accounts.permissions: a territory is in its own scope
    scope_territory_path = "pk"

    def __str__(self):
        return self.name

    def scope_territory(self):
        return self

    def get_absolute_url(self):
        return reverse("territories:detail", args=[self.kind, self.code])

    @property
    def has_perimeter(self) -> bool:
        return bool(self.geometry)

    @property
    def outline(self):
        """The perimeter as a shapely geometry (None when it is not loaded)."""
        return shapely.from_geojson(self.geometry) if self.geometry else None
