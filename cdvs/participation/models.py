"""Residents' participation (volet communal §2.4): the budget participatif (campaigns
of a commune or of the MEL with their phases, ideas placed on the map and classified
QPV / PAC / ailleurs, their dated status changes, the support actions of §2.4.1), the
conseils de quartier (§2.4.3) and the residents asking to attend the réunion des
acteurs (§2.4.2).

No personal data of a resident is ever public: a depositor's email is kept only to
confirm and follow their idea (erasable by them, purged at the campaign's end); where
the carriers live is declared as QPV / PAC / ailleurs, never as an address."""

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from cdvs.core.models import SoftDeletable, StatusChange
from cdvs.core.status import allowed


class Campaign(SoftDeletable):
    """A budget participatif of a commune (or of the MEL, its territory the EPCI)."""

    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="commune ou métropole",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind__in": ["commune", "epci"]},
    )
    name = models.CharField("nom", max_length=255)
    description = models.TextField("présentation", blank=True)
    deposit_opens_on = models.DateField("dépôt des idées : ouverture")
    deposit_closes_on = models.DateField("dépôt des idées : clôture")
    vote_opens_on = models.DateField("vote : ouverture", null=True, blank=True)
    vote_closes_on = models.DateField("vote : clôture", null=True, blank=True)
    ends_on = models.DateField(
        "fin de la campagne",
        help_text="Après cette date, les adresses électroniques des personnes qui ont "
        "déposé une idée sont effacées.",
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    history = HistoricalRecords()

    scope_territory_path = "territory"

    class Meta:
        verbose_name = "campagne de budget participatif"
        verbose_name_plural = "campagnes de budget participatif"
        ordering = ["-deposit_opens_on", "pk"]

    def __str__(self):
        return self.name

    def scope_territory(self):
        return self.territory

    def get_absolute_url(self):
        return reverse("participation:campaign", args=[self.pk])

    @property
    def is_metropolitan(self) -> bool:
        return self.territory.kind == "epci"

    def phases(self) -> list[tuple[str, object, object]]:
        """(label, from, to) of each phase, in order."""
        rows = [("Dépôt des idées", self.deposit_opens_on, self.deposit_closes_on)]
        if self.vote_opens_on:
            rows.append(("Vote", self.vote_opens_on, self.vote_closes_on))
        rows.append(("Fin de la campagne", self.ends_on, None))
        return rows

    def accepts_ideas(self, day) -> bool:
        return self.deposit_opens_on <= day <= self.deposit_closes_on

    def clean(self):
        errors = {}
        if (
            self.deposit_opens_on
            and self.deposit_closes_on
            and self.deposit_closes_on < self.deposit_opens_on
        ):
            errors["deposit_closes_on"] = "La clôture du dépôt précède son ouverture."
        if self.vote_opens_on and self.vote_closes_on and self.vote_closes_on < self.vote_opens_on:
            errors["vote_closes_on"] = "La clôture du vote précède son ouverture."
        if (
            self.vote_opens_on
            and self.deposit_closes_on
            and self.vote_opens_on < self.deposit_closes_on
        ):
            errors["vote_opens_on"] = "Le vote s'ouvre après la clôture du dépôt des idées."
        last = (
            max(d for d in (self.deposit_closes_on, self.vote_closes_on, self.vote_opens_on) if d)
            if self.deposit_closes_on
            else None
        )
        if self.ends_on and last and self.ends_on < last:
            errors["ends_on"] = "La campagne se termine après sa dernière phase."
        if errors:
            raise ValidationError(errors)


class SupportKind(models.TextChoices):
    # the wording of the volet communal, §2.4.1
    COMMUNICATION = "communication", "Communication spécifique sur le budget participatif"
    MEDIATORS = "mediateurs", "Les médiateurs mobilisés pour informer et accompagner"
    DOOR_TO_DOOR = "porte_a_porte", "Du porte-à-porte avec un service civique"
    WRITING = "redaction", "Un accompagnement pour la rédaction et le dépôt d'idée"
    OTHER = "autre", "Autre action de soutien"


class SupportAction(SoftDeletable):
    """What a structure does to inform residents and help them deposit ideas."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="supports")
    kind = models.CharField("action de soutien", max_length=20, choices=SupportKind.choices)
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name="structure",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="quartier (QPV ou PAC)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind__in": ["qpv", "pac"]},
    )
    description = models.TextField("précisions", blank=True)

    history = HistoricalRecords()

    scope_territory_path = "campaign__territory"

    class Meta:
        verbose_name = "action de soutien"
        verbose_name_plural = "actions de soutien"
        ordering = ["kind", "pk"]

    def __str__(self):
        return self.get_kind_display()

    def scope_territory(self):
        return self.campaign.territory


class Area(models.TextChoices):
    QPV = "qpv", "Dans un QPV"
    PAC = "pac", "Dans un périmètre d'attention complémentaire"
    ELSEWHERE = "ailleurs", "Ailleurs"


class Residence(models.TextChoices):
    """Where the carriers of an idea live, as they declare it (no address kept)."""

    QPV = "qpv", "Dans un quartier prioritaire (QPV)"
    PAC = "pac", "Dans un périmètre d'attention complémentaire (PAC)"
    ELSEWHERE = "ailleurs", "Ailleurs"
    UNSAID = "", "Non précisé"


class Status(models.TextChoices):
    SUBMITTED = "deposee", "Déposée"
    ADMISSIBLE = "recevable", "Recevable"
    INADMISSIBLE = "non_recevable", "Non recevable"
    VOTE = "au_vote", "Soumise au vote"
    LAUREATE = "laureate", "Lauréate"
    DONE = "realisee", "Réalisée"


# the one table of the allowed status changes
TRANSITIONS = {
    Status.SUBMITTED: [Status.ADMISSIBLE, Status.INADMISSIBLE],
    Status.ADMISSIBLE: [Status.VOTE, Status.INADMISSIBLE],
    Status.INADMISSIBLE: [Status.ADMISSIBLE],
    Status.VOTE: [Status.LAUREATE],
    Status.LAUREATE: [Status.DONE],
    Status.DONE: [],
}
# shown to the public (after moderation)
PUBLIC_STATUSES = [Status.ADMISSIBLE, Status.VOTE, Status.LAUREATE, Status.DONE]
LAUREATE_STATUSES = [Status.LAUREATE, Status.DONE]


def allowed_transitions(status: str) -> list[Status]:
    return allowed(TRANSITIONS, status)


class Idea(SoftDeletable):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="ideas")
    title = models.CharField("titre de l'idée", max_length=160)
    text = models.TextField("description de l'idée")
    address = models.CharField("lieu (adresse)", max_length=255, blank=True)
    lat = models.FloatField("latitude")
    lon = models.FloatField("longitude")
    area = models.CharField(
        "lieu de l'idée",
        max_length=10,
        choices=Area.choices,
        editable=False,
        default=Area.ELSEWHERE,
    )
    territories = models.ManyToManyField(
        "territories.Territory",
        verbose_name="QPV et PAC du lieu",
        blank=True,
        related_name="+",
    )
    carriers_residence = models.CharField(
        "les personnes qui portent l'idée habitent",
        max_length=10,
        choices=Residence.choices,
        blank=True,
        default="",
    )
    helped_by = models.ForeignKey(
        "directory.Organisation",
        verbose_name="déposée avec l'aide de",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        "statut", max_length=15, choices=Status.choices, default=Status.SUBMITTED, editable=False
    )
    votes = models.PositiveIntegerField("voix", null=True, blank=True, editable=False)
    # personal data: never shown publicly, never exported
    email = models.EmailField("adresse électronique de la personne qui dépose", blank=True)
    confirmed_at = models.DateTimeField("confirmée le", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("déposée le", auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["email"])

    scope_territory_path = "campaign__territory"

    class Meta:
        verbose_name = "idée"
        ordering = ["campaign", "pk"]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self):
        return self.title

    def scope_territory(self):
        return self.campaign.territory

    def get_absolute_url(self):
        return reverse("participation:idea", args=[self.pk])

    @property
    def is_public(self) -> bool:
        return self.confirmed_at is not None and self.status in PUBLIC_STATUSES


class IdeaStatusChange(StatusChange):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField("ancien statut", max_length=15, choices=Status.choices)
    to_status = models.CharField("nouveau statut", max_length=15, choices=Status.choices)

    history = HistoricalRecords()

    class Meta(StatusChange.Meta):
        verbose_name = "changement de statut d'une idée"
        verbose_name_plural = "changements de statut des idées"


class Council(SoftDeletable):
    """A conseil de quartier (§2.4.3: 4 in Armentières, their names entered by the
    coordinators), its perimeter and its instance in the agenda."""

    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name="commune",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "commune"},
    )
    name = models.CharField("nom", max_length=255)
    geometry = models.TextField("périmètre (GeoJSON, WGS84)", blank=True, default="")
    series = models.ForeignKey(
        "meetings.MeetingSeries",
        verbose_name="instance de l'agenda",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Ses réunions ; ses remontées vont vers l'instance que celle-ci alimente.",
    )

    history = HistoricalRecords()

    scope_territory_path = "commune"

    class Meta:
        verbose_name = "conseil de quartier"
        verbose_name_plural = "conseils de quartier"
        ordering = ["commune", "name", "pk"]

    def __str__(self):
        return self.name

    def scope_territory(self):
        return self.commune


class RequestStatus(models.TextChoices):
    ASKED = "demandee", "Demande reçue"
    INVITED = "invitee", "Invitation envoyée"
    DECLINED = "declinee", "Non retenue"


class AttendanceRequest(SoftDeletable):
    """A resident with a project on the enjeu of the next réunion des acteurs asks to
    attend it (§2.4.2); their email serves only to invite them."""

    meeting = models.ForeignKey(
        "meetings.Meeting", verbose_name="réunion", on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField("prénom ou nom", max_length=120)
    email = models.EmailField("adresse électronique")
    project = models.TextField("votre projet")
    status = models.CharField(
        "statut", max_length=10, choices=RequestStatus.choices, default=RequestStatus.ASKED
    )
    helpers = models.ManyToManyField(
        "directory.Organisation", verbose_name="qui peut aider ?", blank=True, related_name="+"
    )
    created_at = models.DateTimeField("reçue le", auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["email"])

    scope_territory_path = "meeting__series__commune"

    class Meta:
        verbose_name = "demande de participation à la réunion des acteurs"
        verbose_name_plural = "demandes de participation à la réunion des acteurs"
        ordering = ["-created_at", "pk"]

    def __str__(self):
        return f"{self.name} — {self.meeting}"

    def scope_territory(self):
        return self.meeting.scope_territory()
