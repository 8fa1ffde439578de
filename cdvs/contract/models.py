"""The contract's strategic frame: enjeux -> ambitions -> objectifs opérationnels ->
pistes d'actions and actions existantes, at the EPCI scale and in each volet communal."""

from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from cdvs.core.cache import data_version
from cdvs.core.models import Seeded, SoftDeletable


class Contract(Seeded, SoftDeletable):
    name = models.CharField("nom", max_length=255)
    epci = models.ForeignKey(
        "territories.Territory", verbose_name="EPCI", on_delete=models.PROTECT, related_name="+"
    )
    start_year = models.PositiveSmallIntegerField("début")
    end_year = models.PositiveSmallIntegerField("fin")
    adopted = models.TextField("adoption", blank=True)
    source = models.CharField("source", max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "contrat"

    def scope_territory(self):
        return self.epci

    def __str__(self):
        return self.name


class LocalSection(Seeded, SoftDeletable):
    """Volet communal: how a commune declines the contract."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="sections")
    commune = models.ForeignKey(
        "territories.Territory", on_delete=models.PROTECT, related_name="local_sections"
    )
    name = models.CharField("nom", max_length=255)
    adopted = models.TextField("adoption", blank=True)
    shared_tool = models.TextField("outil partagé (§2.4)", blank=True)
    source = models.CharField("source", max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "volet communal"
        verbose_name_plural = "volets communaux"

    def scope_territory(self):
        return self.commune

    def __str__(self):
        return self.name


class Enjeu(Seeded, SoftDeletable):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="enjeux")
    number = models.PositiveSmallIntegerField("numéro")
    title = models.TextField("intitulé")
    partners = models.JSONField("partenaires", default=list, blank=True)
    npru_focus = models.TextField("focus sur les sites NPRU", blank=True)
    source = models.CharField("source", max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "enjeu"
        ordering = ["contract", "number"]

    def scope_territory(self):
        return self.contract.epci

    def __str__(self):
        return f"Enjeu {self.number} : {self.title}"


def enjeu_labels():
    """Enjeux with their number and title only, for lists that name them on every row:
    each full row carries the seed's JSON (partners, seed values), slow to decode a
    hundred times per page."""
    return Enjeu.objects.only("pk", "number", "title").order_by("number")


class LocalEnjeu(Seeded, SoftDeletable):
    """An enjeu as worded and staffed in a volet communal."""

    section = models.ForeignKey(LocalSection, on_delete=models.CASCADE, related_name="enjeux")
    enjeu = models.ForeignKey(Enjeu, on_delete=models.CASCADE, related_name="local_versions")
    title = models.TextField("intitulé local")
    partners = models.JSONField("partenaires", default=list, blank=True)
    note = models.TextField("note", blank=True)
    source = models.CharField("source", max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "enjeu du volet communal"
        verbose_name_plural = "enjeux du volet communal"
        ordering = ["section", "enjeu__number"]

    def scope_territory(self):
        return self.section.commune

    def __str__(self):
        return f"{self.section.commune} — enjeu {self.enjeu.number}"


class Scale(models.TextChoices):
    MEL_2027 = "mel_2027", "À l'échelle de la métropole d'ici 2027"
    QPV_2030 = "qpv_2030", "À l'échelle des quartiers prioritaires d'ici 2030"
    LOCAL = "local", "Volet communal"


class Ambition(Seeded, SoftDeletable):
    enjeu = models.ForeignKey(Enjeu, on_delete=models.CASCADE, related_name="ambitions")
    local_enjeu = models.ForeignKey(
        LocalEnjeu, null=True, blank=True, on_delete=models.CASCADE, related_name="ambitions"
    )
    scale = models.CharField("échelle", max_length=10, choices=Scale.choices)
    text = models.TextField("ambition")
    full_text = models.TextField("formulation complète", blank=True)
    detail = models.TextField("précision", blank=True)
    context = models.TextField("constat", blank=True)
    heading = models.TextField("rubrique", blank=True)
    note = models.TextField("note", blank=True)
    position = models.PositiveIntegerField("ordre", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "ambition"
        ordering = ["enjeu__number", "scale", "position", "id"]

    def scope_territory(self):
        if self.local_enjeu_id:
            return self.local_enjeu.scope_territory()
        return self.enjeu.scope_territory()

    def __str__(self):
        return self.text


class Objective(Seeded, SoftDeletable):
    """Objectif opérationnel; coordinators flag those prioritised locally."""

    ambition = models.ForeignKey(
        Ambition, null=True, blank=True, on_delete=models.CASCADE, related_name="objectives"
    )
    enjeu = models.ForeignKey(Enjeu, on_delete=models.CASCADE, related_name="objectives")
    local_enjeu = models.ForeignKey(
        LocalEnjeu,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="objectives",
        help_text="Pour un objectif du volet communal rattaché à aucune ambition.",
    )
    text = models.TextField("objectif opérationnel")
    heading = models.TextField("rubrique", blank=True)
    note = models.TextField("note", blank=True)
    is_local_priority = models.BooleanField("prioritaire localement", default=False)
    position = models.PositiveIntegerField("ordre", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "objectif opérationnel"
        verbose_name_plural = "objectifs opérationnels"
        ordering = ["position", "id"]

    def scope_territory(self):
        if self.ambition_id:
            return self.ambition.scope_territory()
        if self.local_enjeu_id:
            return self.local_enjeu.scope_territory()
        return self.enjeu.scope_territory()

    def __str__(self):
        return self.text


class LeadKind(models.TextChoices):
    PISTE = "piste", "Piste d'action"
    EXISTING = "existante", "Action existante"


class ActionLead(Seeded, SoftDeletable):
    """A piste d'action to set up or improve, or an action that already exists."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="leads")
    kind = models.CharField("nature", max_length=10, choices=LeadKind.choices)
    text = models.TextField("texte")
    position = models.PositiveIntegerField("ordre", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "piste ou action existante"
        verbose_name_plural = "pistes et actions existantes"
        ordering = ["kind", "position", "id"]

    def scope_territory(self):
        return self.objective.scope_territory()

    def get_absolute_url(self):
        return reverse("contract:enjeu", args=[self.objective.enjeu_id]) + f"#piste-{self.pk}"

    def __str__(self):
        return self.text


class GovernanceBody(Seeded, SoftDeletable):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="bodies")
    name = models.CharField("nom", max_length=255)
    description = models.TextField("description", blank=True)
    role = models.TextField("rôle", blank=True)
    position = models.PositiveIntegerField("ordre", default=0)
    source = models.CharField("source", max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "instance de gouvernance"
        verbose_name_plural = "instances de gouvernance"
        ordering = ["position", "id"]

    def scope_territory(self):
        return self.contract.epci

    def __str__(self):
        return self.name


TREE_MODELS = [
    Contract,
    LocalSection,
    Enjeu,
    LocalEnjeu,
    Ambition,
    Objective,
    ActionLead,
    GovernanceBody,
]


def tree_version() -> str:
    """Changes whenever any element of the strategic frame is written (every write,
    the loader's included, adds a history row): a cache key every process agrees on."""
    return data_version(*TREE_MODELS)
