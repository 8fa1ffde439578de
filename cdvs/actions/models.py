"""The plan d'actions: actions carried by an organisation of the directory, serving
objectifs opérationnels of the contract (and the piste or action existante they
implement), their status with dated transitions, and their funding lines per year.
Every amount is a Decimal to the cent."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from cdvs.core.models import SoftDeletable, StatusChange
from cdvs.core.status import allowed
from cdvs.directory import vocabulary as voc

from . import cerfa


class Status(models.TextChoices):
    DRAFT = "projet", "Projet"
    SUBMITTED = "deposee", "Déposée"
    PROGRAMMED = "programmee", "Programmée"
    RUNNING = "en_cours", "En cours"
    DONE = "terminee", "Terminée"
    REJECTED = "non_retenue", "Non retenue"
    ABANDONED = "abandonnee", "Abandonnée"


# the one table of the allowed status changes
TRANSITIONS = {
    Status.DRAFT: [Status.SUBMITTED, Status.ABANDONED],
    Status.SUBMITTED: [Status.PROGRAMMED, Status.REJECTED, Status.ABANDONED],
    Status.PROGRAMMED: [Status.RUNNING, Status.ABANDONED],
    Status.RUNNING: [Status.DONE, Status.ABANDONED],
    Status.REJECTED: [Status.DRAFT],
    Status.DONE: [],
    Status.ABANDONED: [],
}


def allowed_transitions(status: str) -> list[Status]:
    return allowed(TRANSITIONS, status)


class Action(SoftDeletable):
    contract = models.ForeignKey(
        "contract.Contract", verbose_name="contrat", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("intitulé", max_length=255)
    description = models.TextField("description", blank=True)
    porteur = models.ForeignKey(
        "directory.Organisation",
        verbose_name="porteur",
        on_delete=models.PROTECT,
        related_name="carried_actions",
    )
    partners = models.ManyToManyField(
        "directory.Organisation",
        verbose_name="partenaires",
        blank=True,
        related_name="partner_actions",
    )
    objectives = models.ManyToManyField(
        "contract.Objective",
        verbose_name="objectifs opérationnels",
        blank=True,
        related_name="actions",
    )
    lead = models.ForeignKey(
        "contract.ActionLead",
        verbose_name="piste ou action existante mise en œuvre",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
    )
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name="commune de gestion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Le volet communal dont relève l'action ; vide : toute la métropole.",
    )
    territories = models.ManyToManyField(
        "territories.Territory",
        verbose_name="territoires (QPV, PAC, commune)",
        blank=True,
        related_name="actions",
    )
    publics = models.JSONField("publics", default=list, blank=True)
    age_min = models.PositiveSmallIntegerField("âge minimum", null=True, blank=True)
    age_max = models.PositiveSmallIntegerField("âge maximum", null=True, blank=True)
    starts_on = models.DateField("début", null=True, blank=True)
    ends_on = models.DateField("fin", null=True, blank=True)
    status = models.CharField(
        "statut", max_length=12, choices=Status.choices, default=Status.DRAFT, editable=False
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[partners, objectives, territories])

    # coordinators act on the actions of their commune; the porteur's people on theirs
    scope_territory_path = "commune"
    scope_organisation_path = "porteur"

    class Meta:
        verbose_name = "action"
        ordering = ["title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="actions_action_dates_in_order",
            )
        ]
        # the dashboard's actions past their end, earliest first, without a scan
        indexes = [models.Index(fields=["contract", "ends_on"], name="actions_action_ends_idx")]

    def scope_territory(self):
        return self.commune

    def scope_organisation(self):
        return self.porteur

    def clean(self):
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = "La date de fin ne peut pas précéder la date de début."
        if self.age_min is not None and self.age_max is not None and self.age_max < self.age_min:
            errors["age_max"] = "L'âge maximum ne peut pas être inférieur à l'âge minimum."
        unknown = [p for p in self.publics or [] if p not in voc.PUBLIC_LABELS]
        if unknown:
            errors["publics"] = f"Public inconnu : {', '.join(unknown)}."
        if errors:
            raise ValidationError(errors)

    @property
    def public_labels(self) -> list[str]:
        return [voc.PUBLIC_LABELS.get(p, p) for p in self.publics or []]

    def get_absolute_url(self):
        return reverse("actions:detail", args=[self.pk])

    def __str__(self):
        return self.title


class ActionStatusChange(StatusChange):
    """One dated status transition of an action, with its reason."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField("ancien statut", max_length=12, choices=Status.choices)
    to_status = models.CharField("nouveau statut", max_length=12, choices=Status.choices)
    reason = models.TextField("motif")

    history = HistoricalRecords()

    class Meta(StatusChange.Meta):
        verbose_name = "changement de statut"
        verbose_name_plural = "changements de statut"


class FunderKind(models.TextChoices):
    STATE = "etat_pv", "État — crédits politique de la ville"
    COMMUNE = "commune", "Commune"
    MEL = "mel", "MEL"
    DEPARTMENT = "departement", "Département"
    REGION = "region", "Région"
    CAF = "caf", "CAF"
    LANDLORD = "bailleur", "Bailleur"
    OTHER = "autre", "Autre partenaire (nommé)"


class Nature(models.TextChoices):
    SPECIFIC = "specifique", "Crédits spécifiques"
    COMMON_LAW = "droit_commun", "Droit commun"
    OWN = "valorisation", "Valorisation ou autofinancement"


AMOUNT_FIELDS = ("requested", "proposed", "granted", "paid")


def _amount(label, **kwargs):
    return models.DecimalField(
        label,
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"), "Un montant ne peut pas être négatif.")],
        **kwargs,
    )


class FundingLine(SoftDeletable):
    """What one funder is asked for, proposes, grants and pays for an action in a year."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="funding_lines")
    year = models.PositiveSmallIntegerField("année")
    funder_kind = models.CharField("financeur", max_length=12, choices=FunderKind.choices)
    funder_name = models.CharField(
        "nom du financeur",
        max_length=255,
        blank=True,
        help_text="Obligatoire pour un autre partenaire ; sinon, précise le financeur.",
    )
    nature = models.CharField("nature", max_length=12, choices=Nature.choices)
    requested = _amount("montant demandé (€)", default=Decimal("0"))
    proposed = _amount("montant proposé (€)", null=True, blank=True)
    granted = _amount("montant accordé (€)", null=True, blank=True)
    paid = _amount("montant versé (€)", null=True, blank=True)
    granted_reason = models.TextField("motif d'un accord supérieur à la demande", blank=True)
    decided_on = models.DateField("date de décision", null=True, blank=True)
    decision_reference = models.CharField("référence de la décision", max_length=120, blank=True)

    history = HistoricalRecords()

    scope_territory_path = "action__commune"
    scope_organisation_path = "action__porteur"

    class Meta:
        verbose_name = "ligne de financement"
        verbose_name_plural = "lignes de financement"
        ordering = ["year", "funder_kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(requested__gte=0)
                & (models.Q(proposed__isnull=True) | models.Q(proposed__gte=0))
                & (models.Q(granted__isnull=True) | models.Q(granted__gte=0))
                & (models.Q(paid__isnull=True) | models.Q(paid__gte=0)),
                name="actions_funding_amounts_not_negative",
            )
        ]

    def scope_territory(self):
        return self.action.commune

    def scope_organisation(self):
        return self.action.porteur

    @property
    def under_instruction(self) -> bool:
        """No decision yet: the amounts are coordination-only."""
        return self.granted is None

    @property
    def funder_label(self) -> str:
        label = self.get_funder_kind_display()
        if self.funder_kind == FunderKind.OTHER:
            return self.funder_name
        return f"{label} ({self.funder_name})" if self.funder_name else label

    def clean(self):
        errors = {}
        if self.funder_kind == FunderKind.OTHER and not self.funder_name.strip():
            errors["funder_name"] = "Nommez le partenaire financeur."
        contract = self.action.contract if self.action_id else None
        if (
            contract is not None
            and self.year is not None
            and not contract.start_year <= self.year <= contract.end_year
        ):
            errors["year"] = (
                f"L'année doit être comprise entre {contract.start_year} et "
                f"{contract.end_year}, les années du contrat."
            )
        if (
            self.granted is not None
            and self.requested is not None
            and self.granted > self.requested
            and not self.granted_reason.strip()
        ):
            errors["granted_reason"] = (
                "Le montant accordé dépasse le montant demandé : indiquez le motif."
            )
        if self.paid is not None:
            if self.granted is None:
                errors["paid"] = "Un montant versé suppose un montant accordé."
            elif self.paid > self.granted:
                errors["paid"] = "Le montant versé ne peut pas dépasser le montant accordé."
        if errors:
            raise ValidationError(errors)

    def __str__(self):
        return f"{self.funder_label} {self.year}"


ZERO = Decimal("0.00")


def funding_totals(lines) -> dict:
    """Totals of `lines` (funding lines), to the cent: per nature and overall, for each
    amount (a missing amount counts as zero). {"natures": {nature: {field: Decimal}},
    "all": {field: Decimal}}; every nature is present."""
    natures = {n: dict.fromkeys(AMOUNT_FIELDS, ZERO) for n in Nature.values}
    overall = dict.fromkeys(AMOUNT_FIELDS, ZERO)
    for line in lines:
        for name in AMOUNT_FIELDS:
            value = getattr(line, name) or ZERO
            natures[line.nature][name] += value
            overall[name] += value
    return {"natures": natures, "all": overall}


class BudgetLine(models.Model):
    """One heading of the CERFA 12156 budget of an action for a year (`cerfa.HEADINGS`).
    A year's budget is written as a whole, balanced (`services.save_budget`)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="budget_lines")
    year = models.PositiveSmallIntegerField("année")
    heading = models.CharField("rubrique", max_length=16, choices=cerfa.CHOICES)
    amount = _amount("montant (€)")

    history = HistoricalRecords()

    scope_territory_path = "action__commune"
    scope_organisation_path = "action__porteur"

    class Meta:
        verbose_name = "ligne de budget"
        verbose_name_plural = "lignes de budget"
        ordering = ["year", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "year", "heading"], name="actions_budget_one_heading_a_year"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="actions_budget_amount_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.get_heading_display()} {self.year}"

    @property
    def side(self) -> str:
        return cerfa.SIDE[self.heading]


# the meeting series (meetings/data/instances.yaml) where the funders decide
CO_INSTRUCTION_SERIES = "comite-co-instruction"


class Programmation(models.Model):
    """The yearly programmation politique de la ville of a volet communal: a call for
    projects of the calls app (its dates, its page) receiving the carriers' requests
    for `year`. Visible to the partners once `decided_on` (arrêtée)."""

    call = models.OneToOneField(
        "calls.CallForProjects",
        verbose_name="appel à projets",
        on_delete=models.PROTECT,
        related_name="programmation",
    )
    contract = models.ForeignKey(
        "contract.Contract", verbose_name="contrat", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("année")
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name="commune",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_on = models.DateField("arrêtée le", null=True, blank=True)

    history = HistoricalRecords()

    scope_territory_path = "commune"

    class Meta:
        verbose_name = "programmation annuelle"
        verbose_name_plural = "programmations annuelles"
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "commune", "year"], name="actions_one_programmation_a_year"
            )
        ]

    def __str__(self):
        where = f" — {self.commune.name}" if self.commune_id else ""
        return f"Programmation {self.year}{where}"

    def get_absolute_url(self):
        return reverse("actions:programmation", args=[self.pk])

    def scope_territory(self):
        return self.commune


class Request(models.Model):
    """A carrier's request to a programmation: the action, its budget and its funding
    lines of the programmation's year, or the Dauphin file attached."""

    programmation = models.ForeignKey(
        Programmation, on_delete=models.PROTECT, related_name="requests"
    )
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="requests")
    dauphin_file = models.FileField("dossier Dauphin (PDF)", upload_to="actions/dauphin/%Y/",
                                    blank=True)  # fmt: skip
    dauphin_reference = models.CharField("numéro du dossier Dauphin", max_length=60, blank=True)
    submitted_on = models.DateField("déposée le")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name="comité de co-instruction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_on = models.DateField("décidée le", null=True, blank=True)

    history = HistoricalRecords()

    scope_territory_path = "action__commune"
    scope_organisation_path = "action__porteur"

    class Meta:
        verbose_name = "demande de financement"
        verbose_name_plural = "demandes de financement"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programmation", "action"], name="actions_one_request_an_action"
            )
        ]

    def __str__(self):
        return f"Demande {self.programmation.year} : {self.action}"

    def get_absolute_url(self):
        return reverse("actions_coordination:request", args=[self.pk])

    def scope_territory(self):
        return self.action.commune

    def scope_organisation(self):
        return self.action.porteur


class Verdict(models.TextChoices):
    FAVOURABLE = "favorable", "Favorable"
    RESERVED = "reserve", "Réservé"
    UNFAVOURABLE = "defavorable", "Défavorable"


class Opinion(models.Model):
    """One funder's opinion on a request, during the instruction."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="opinions")
    funder_kind = models.CharField("financeur", max_length=12, choices=FunderKind.choices)
    funder_name = models.CharField("nom du financeur", max_length=255, blank=True)
    verdict = models.CharField("avis", max_length=12, choices=Verdict.choices)
    proposed = _amount("montant proposé (€)", null=True, blank=True)
    comment = models.TextField("commentaire", blank=True)
    on = models.DateField("date de l'avis")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    history = HistoricalRecords()

    scope_territory_path = "request__action__commune"

    class Meta:
        verbose_name = "avis d'un financeur"
        verbose_name_plural = "avis des financeurs"
        ordering = ["funder_kind", "funder_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "funder_kind", "funder_name"],
                name="actions_one_opinion_a_funder",
            )
        ]

    def __str__(self):
        return f"Avis {self.get_verdict_display().lower()} : {self.funder_label}"

    def scope_territory(self):
        return self.request.action.commune

    @property
    def funder_label(self) -> str:
        return FundingLine(funder_kind=self.funder_kind, funder_name=self.funder_name).funder_label


CPO_YEARS = 3
# MEL §6.2 (seed): « L'objectif est d'atteindre 50% de CPO d'ici 2030 »
CPO_TARGET_SHARE = Decimal("0.5")
CPO_TARGET_YEAR = 2030


class Convention(models.Model):
    """A convention pluriannuelle d'objectifs (CPO): three years with a porteur, its
    actions and an amount per year (each year's avenant)."""

    contract = models.ForeignKey(
        "contract.Contract", verbose_name="contrat", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("intitulé", max_length=255)
    reference = models.CharField("référence", max_length=120, blank=True)
    porteur = models.ForeignKey(
        "directory.Organisation", verbose_name="porteur", on_delete=models.PROTECT,
        related_name="conventions",
    )  # fmt: skip
    commune = models.ForeignKey(
        "territories.Territory", verbose_name="commune", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    start_year = models.PositiveSmallIntegerField("première année")
    signed_on = models.DateField("signée le", null=True, blank=True)
    actions = models.ManyToManyField(
        Action, verbose_name="actions", blank=True, related_name="conventions"
    )

    history = HistoricalRecords(m2m_fields=[actions])

    scope_territory_path = "commune"
    scope_organisation_path = "porteur"

    class Meta:
        verbose_name = "convention pluriannuelle d'objectifs"
        verbose_name_plural = "conventions pluriannuelles d'objectifs"
        ordering = ["-start_year", "title", "pk"]

    def __str__(self):
        return f"CPO {self.start_year}-{self.end_year} : {self.title}"

    def get_absolute_url(self):
        return reverse("actions:convention", args=[self.pk])

    @property
    def end_year(self) -> int:
        return self.start_year + CPO_YEARS - 1

    def scope_territory(self):
        return self.commune

    def scope_organisation(self):
        return self.porteur

    def clean(self):
        contract = self.contract if self.contract_id else None
        if (
            contract is not None
            and self.start_year is not None
            and not (contract.start_year <= self.start_year
                     and self.start_year + CPO_YEARS - 1 <= contract.end_year)
        ):  # fmt: skip
            raise ValidationError({"start_year": (
                f"Une CPO couvre trois années du contrat ({contract.start_year} à "
                f"{contract.end_year}) : elle commence au plus tard en "
                f"{contract.end_year - CPO_YEARS + 1}."
            )})  # fmt: skip


class ConventionYear(models.Model):
    """The amount of one year of a CPO, and the avenant that set it."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField("année")
    amount = _amount("montant de l'année (€)")
    avenant = models.CharField("avenant", max_length=120, blank=True)
    signed_on = models.DateField("avenant signé le", null=True, blank=True)

    history = HistoricalRecords()

    scope_territory_path = "convention__commune"

    class Meta:
        verbose_name = "année d'une CPO"
        verbose_name_plural = "années des CPO"
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "year"], name="actions_cpo_one_year")
        ]

    def __str__(self):
        return f"{self.convention} — {self.year}"

    def scope_territory(self):
        return self.convention.commune

    def clean(self):
        if self.convention_id and self.year is not None:
            c = self.convention
            if not c.start_year <= self.year <= c.end_year:
                raise ValidationError({"year": (
                    f"L'année doit être l'une des trois de la convention ({c.start_year} à "
                    f"{c.end_year})."
                )})  # fmt: skip
