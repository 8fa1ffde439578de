from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from cdvs.core.models import Seeded, SoftDeletable


class OrganisationKind(models.TextChoices):
    ASSOCIATION = "association", "Association"
    SOCIAL_CENTRE = "centre_social", "Centre social / EVS"
    CITY_SERVICE = "service_ville", "Service de la ville"
    EPCI_SERVICE = "service_epci", "Service de l'intercommunalité"
    COMMON_LAW = "droit_commun", "Partenaire de droit commun"
    LANDLORD = "bailleur", "Bailleur"
    SCHOOL = "etablissement_scolaire", "Établissement scolaire"
    RESIDENTS = "collectif_habitants", "Collectif d'habitants"
    STATE = "etat", "Service de l'État"
    OTHER = "autre", "Autre"


class Organisation(Seeded, SoftDeletable):
    """A partner of the contract; its full fiche grows in the directory."""

    name = models.CharField("nom", max_length=255)
    kind = models.CharField("type", max_length=40, choices=OrganisationKind.choices)
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire de rattachement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        help_text="Pour un service Politique de la Ville : la commune ou l'EPCI qu'il coordonne.",
    )
    description = models.TextField("description", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    # where `cdvs.accounts.permissions` finds the organisation's place, for a queryset
    scope_territory_path = "territory"
    scope_organisation_path = "pk"

    class Meta:
        verbose_name = "organisation"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("directory:detail", args=[self.pk])

    def scope_territory(self):
        """The territory whose coordinators are responsible for this organisation."""
        return self.territory

    def scope_organisation(self):
        return self
