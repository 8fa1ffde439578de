"""The plan d'actions: actions carried by an organisation of the directory, serving
objectifs opérationnels of the contract (and the piste or action existante they
implement), their status with dated transitions, and their funding lines per year.
Every amount is a Decimal to the cent."""

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
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


def series_key_q(slug: str, prefix: str = "") -> models.Q:
    """The meeting series of `slug`: `load_meetings` keys them « <volet>-<slug> »
    (« armentieres-comite-co-instruction »); a series made by hand may bear the slug."""
    return models.Q(**{f"{prefix}key": slug}) | models.Q(**{f"{prefix}key__endswith": f"-{slug}"})


def is_series(series, slug: str) -> bool:
    key = getattr(series, "key", None) or ""
    return key == slug or key.endswith(f"-{slug}")


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


# ---- the yearly cycle of the CPO actions (volet communal §2.2, seed l.634): « les
# porteurs des actions bénéficiant d'un CPO organiseront ainsi un Copil de suivi annuel
# et seront également invités à un dialogue de gestion en fin d'année »

TEXT_MAX = 5000
_INVALID_TEXT = re.compile("[\x00\ud800-\udfff]")


def validate_text(value: str) -> None:
    """No NUL nor lone surrogate: the databases cannot store them."""
    if value and _INVALID_TEXT.search(value):
        raise ValidationError("Ce texte contient un caractère invalide.")


def _text(label, max_length=TEXT_MAX, **kwargs):
    return models.TextField(
        label,
        validators=[validate_text, MaxLengthValidator(max_length)],
        **kwargs,
    )


class CycleKind(models.TextChoices):
    COPIL = "copil", "Copil de suivi annuel"
    DIALOGUE = "dialogue", "Dialogue de gestion"


# the meeting series of each step (meetings/data/instances.yaml: keys « <volet>-<slug> »)
CYCLE_SERIES = {CycleKind.COPIL: "copil-suivi-cpo", CycleKind.DIALOGUE: "dialogue-gestion"}


class CycleMeeting(models.Model):
    """One meeting of the yearly cycle of an action under CPO: its Copil de suivi annuel
    or its dialogue de gestion of `year`, created once by the tool. The meeting's next
    steps are the action's. The link follows its meeting (the meeting has the trash)."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="cycle_meetings")
    convention = models.ForeignKey(
        Convention, verbose_name="CPO", on_delete=models.CASCADE, related_name="cycle_meetings"
    )
    year = models.PositiveSmallIntegerField("année")
    kind = models.CharField("étape", max_length=10, choices=CycleKind.choices)
    meeting = models.OneToOneField(
        "meetings.Meeting", verbose_name="réunion", on_delete=models.CASCADE,
        related_name="action_cycle",
    )  # fmt: skip
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    history = HistoricalRecords()

    scope_territory_path = "action__commune"
    scope_organisation_path = "action__porteur"

    class Meta:
        verbose_name = "réunion du cycle annuel d'une action"
        verbose_name_plural = "réunions du cycle annuel des actions"
        ordering = ["year", "kind", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "year", "kind"], name="actions_cycle_one_meeting_a_year"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.year} — {self.action}"

    def scope_territory(self):
        return self.action.commune

    def scope_organisation(self):
        return self.action.porteur


# ---- engagements de droit commun (MEL deliberation 24-C-0073, seed l.861-877, 883-885)


class Partner(models.TextChoices):
    """The partners whose engagements the deliberation annexes, as it names them (seed
    l.885, and l.883 for the MEL); « les autres partenaires » are invited to commit too
    (l.865)."""

    STATE = "etat", "État"
    REGION = "region", "Région"
    DEPARTMENT = "departement", "Département"
    CAF = "caf", "CAF"
    BANQUE_TERRITOIRES = "banque_territoires", "Banque des Territoires"
    BPI = "bpi", "Banque Publique d'Investissement (BPI)"
    LMH = "lmh", "Lille Métropole Habitat (LMH)"
    MEL = "mel", "MEL"
    OTHER = "autre", "Autre partenaire (nommé)"


class Achievement(models.TextChoices):
    """The level of achievement the groupe de suivi de la mobilisation du droit commun
    records (« faire le point sur le niveau de réalisation des engagements pris »)."""

    NOT_REVIEWED = "non_examine", "Pas encore examiné"
    NOT_STARTED = "non_engage", "Non engagé"
    ONGOING = "en_cours", "En cours de réalisation"
    DONE = "realise", "Réalisé"
    DROPPED = "abandonne", "Abandonné"


class Engagement(SoftDeletable):
    """One partner's commitment, as the annex of the deliberation writes it (entered by
    the coordinators: the seed lacks the annex), its enjeux and its state of
    achievement (the last review's)."""

    contract = models.ForeignKey(
        "contract.Contract", verbose_name="contrat", on_delete=models.PROTECT, related_name="+"
    )
    partner = models.CharField("partenaire", max_length=20, choices=Partner.choices)
    partner_name = models.CharField(
        "nom du partenaire", max_length=255, blank=True,
        help_text="Obligatoire pour un autre partenaire.",
    )  # fmt: skip
    reference = models.CharField(
        "référence dans l'annexe", max_length=60, blank=True, help_text="Par exemple « 12 »."
    )
    text = _text("engagement (texte de l'annexe)")
    enjeux = models.ManyToManyField(
        "contract.Enjeu", verbose_name="enjeux", blank=True, related_name="engagements"
    )
    commune = models.ForeignKey(
        "territories.Territory", verbose_name="commune", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
        help_text="Vide : un engagement pour tout le contrat.",
    )  # fmt: skip
    state = models.CharField(
        "état de réalisation", max_length=12, choices=Achievement.choices,
        default=Achievement.NOT_REVIEWED, editable=False,
    )  # fmt: skip
    reviewed_on = models.DateField("dernier examen", null=True, blank=True, editable=False)
    created_at = models.DateTimeField("saisi le", auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[enjeux])

    scope_territory_path = "commune"

    class Meta:
        verbose_name = "engagement de droit commun"
        verbose_name_plural = "engagements de droit commun"
        ordering = ["partner", "reference", "pk"]

    def __str__(self):
        ref = f" n° {self.reference}" if self.reference else ""
        return f"{self.partner_label}{ref}"

    def get_absolute_url(self):
        return reverse("actions:engagement", args=[self.pk])

    def scope_territory(self):
        return self.commune

    @property
    def partner_label(self) -> str:
        if self.partner == Partner.OTHER:
            return self.partner_name
        return self.get_partner_display()

    def clean(self):
        if self.partner == Partner.OTHER and not self.partner_name.strip():
            raise ValidationError({"partner_name": "Nommez le partenaire."})
        for name in ("partner_name", "reference"):
            validate_text(getattr(self, name))


class EngagementReview(models.Model):
    """A dated review of an engagement by the groupe de suivi de la mobilisation du
    droit commun: the state found, a comment, by whom. Never edited: the list of
    reviews is the engagement's history of achievement."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="reviews")
    on = models.DateField("date de l'examen")
    state = models.CharField(
        "état de réalisation", max_length=12,
        choices=[c for c in Achievement.choices if c[0] != Achievement.NOT_REVIEWED],
    )  # fmt: skip
    comment = _text("commentaire", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="par", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField("enregistré le", auto_now_add=True)

    history = HistoricalRecords()

    scope_territory_path = "engagement__commune"

    class Meta:
        verbose_name = "examen d'un engagement"
        verbose_name_plural = "examens des engagements"
        ordering = ["-on", "-pk"]

    def __str__(self):
        return f"{self.engagement} — {self.get_state_display()}"

    def scope_territory(self):
        return self.engagement.commune


# ---- projets phares (MEL framework §6.3, seed l.1779-1783): « Trois actions très
# concrètes et prioritaires pour la vie quotidienne des habitants feront l'objet d'un
# suivi renforcé. Un chef de projet commun aux signataires du contrat sera désigné pour
# suivre chacune des actions et fera un reporting de l'état d'avancement de l'action lors
# de chaque comité de pilotage stratégique du contrat. » « Un point d'étape sera réalisé
# en 2027. »

FLAGSHIPS_PER_CONTRACT = 3
CHECKPOINT_YEAR = 2027
# the meeting series of the comité de pilotage du contrat (contract file: governance
# « comite-pilotage »)
STEERING_SERIES = "comite-pilotage"


class Flagship(SoftDeletable):
    """An action the coordinators chose as one of the three projets phares."""

    action = models.ForeignKey(
        Action, verbose_name="action", on_delete=models.PROTECT, related_name="flagships"
    )
    contract = models.ForeignKey(
        "contract.Contract", verbose_name="contrat", on_delete=models.PROTECT, related_name="+",
        editable=False,
    )  # fmt: skip
    lead_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="chef de projet (compte)", null=True,
        blank=True, on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    lead_contact = models.ForeignKey(
        "directory.Contact", verbose_name="chef de projet (contact de l'annuaire)", null=True,
        blank=True, on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    chosen_on = models.DateField("choisie le")

    history = HistoricalRecords()

    scope_territory_path = "action__commune"
    scope_organisation_path = "action__porteur"

    class Meta:
        verbose_name = "projet phare"
        verbose_name_plural = "projets phares"
        ordering = ["chosen_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["action"], condition=models.Q(deleted_at__isnull=True),
                name="actions_flagship_once",
            )
        ]  # fmt: skip

    def __str__(self):
        return f"Projet phare : {self.action}"

    def get_absolute_url(self):
        return reverse("actions:flagship", args=[self.pk])

    def scope_territory(self):
        return self.action.commune

    def scope_organisation(self):
        return self.action.porteur

    @property
    def lead_label(self) -> str:
        if self.lead_user_id:
            return str(self.lead_user)
        if self.lead_contact_id:
            return self.lead_contact.name
        return ""


class Milestone(models.Model):
    """A jalon of a projet phare: a date, a label, done or not."""

    flagship = models.ForeignKey(Flagship, on_delete=models.CASCADE, related_name="milestones")
    label = models.CharField("jalon", max_length=255, validators=[validate_text])
    due_on = models.DateField("date prévue")
    done = models.BooleanField("atteint", default=False)
    done_on = models.DateField("atteint le", null=True, blank=True)

    history = HistoricalRecords()

    scope_territory_path = "flagship__action__commune"

    class Meta:
        verbose_name = "jalon"
        ordering = ["due_on", "pk"]

    def __str__(self):
        return self.label

    def scope_territory(self):
        return self.flagship.action.commune

    def snapshot(self) -> dict:
        return {
            "label": self.label,
            "due_on": self.due_on.isoformat(),
            "done": self.done,
            "done_on": self.done_on.isoformat() if self.done_on else None,
        }


class StatusReport(models.Model):
    """The reporting of a projet phare at one meeting of the comité de pilotage: the
    text and the state of its milestones when written. Frozen once the meeting is held."""

    flagship = models.ForeignKey(Flagship, on_delete=models.CASCADE, related_name="reports")
    meeting = models.ForeignKey(
        "meetings.Meeting", verbose_name="comité de pilotage", on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    text = _text("état d'avancement")
    milestones = models.JSONField("état des jalons", default=list, editable=False)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    updated_at = models.DateTimeField("mis à jour le", auto_now=True)

    history = HistoricalRecords()

    scope_territory_path = "flagship__action__commune"

    class Meta:
        verbose_name = "point d'étape d'un projet phare"
        verbose_name_plural = "points d'étape des projets phares"
        ordering = ["meeting__sort_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["flagship", "meeting"], name="actions_report_one_a_meeting"
            )
        ]

    def __str__(self):
        return f"Point d'étape — {self.flagship.action}"

    def scope_territory(self):
        return self.flagship.action.commune
