"""The contract's evidence: indicators, their measurements (indicator × territory ×
period × breakdown, with provenance as written), the rows of the seed's diagnostic
tables, the targets of the objectives and the evaluative questions.

An écart is never stored: `gaps.gap()` computes it from two measurements, and refuses
to mix vintages or geography versions. Values are Decimal, never float; a cell under
statistical secrecy has no value (never 0)."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from cdvs.core.french import format_number
from cdvs.core.models import Seeded, SoftDeletable, StatusChange
from cdvs.meetings.models import OPEN_STATUSES, NextStepStatus


def number_text(value: Decimal) -> str:
    """A Decimal in French notation with the decimals it needs: 35,1 ; 2 969 ; 6,89."""
    value = Decimal(value).normalize()
    decimals = max(0, -value.as_tuple().exponent)
    return format_number(value, decimals)


class Kind(models.TextChoices):
    RATE = "taux", "Taux ou part (%)"
    COUNT = "effectif", "Effectif"
    MEDIAN = "mediane", "Médiane"
    AMOUNT = "montant", "Montant"
    DURATION = "duree", "Durée"


class Polarity(models.TextChoices):
    HIGHER = "hausse", "Plus c'est haut, mieux c'est"
    LOWER = "baisse", "Plus c'est bas, mieux c'est"
    NEUTRAL = "neutre", "Sans sens favorable (contexte)"


class Role(models.TextChoices):
    CONTEXT = "contexte", "Indicateur de contexte"
    RESULT = "resultat", "Indicateur de résultat"


class Indicator(Seeded, SoftDeletable):
    code = models.CharField("code", max_length=40, unique=True)
    name = models.CharField("nom", max_length=255)
    definition = models.TextField("définition", blank=True)
    unit = models.CharField("unité", max_length=40, help_text="« % », « € », « personnes »…")
    kind = models.CharField("nature", max_length=10, choices=Kind.choices)
    numerator = models.ForeignKey(
        "self",
        verbose_name="numérateur",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Pour un taux : l'indicateur compté au numérateur (recalculé, jamais moyenné).",
    )
    denominator = models.ForeignKey(
        "self",
        verbose_name="dénominateur",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    polarity = models.CharField(
        "sens favorable", max_length=8, choices=Polarity.choices, default=Polarity.NEUTRAL
    )
    source = models.CharField("source habituelle", max_length=255, blank=True)
    summable = models.BooleanField(
        "additionnable",
        default=False,
        help_text="Un effectif s'additionne ; ni un taux ni une médiane.",
    )
    role = models.CharField("rôle", max_length=10, choices=Role.choices, default=Role.CONTEXT)
    enjeu = models.ForeignKey(
        "contract.Enjeu",
        verbose_name="enjeu",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    objectives = models.ManyToManyField(
        "contract.Objective", verbose_name="objectifs", blank=True, related_name="indicators"
    )
    actions = models.ManyToManyField(
        "actions.Action", verbose_name="actions", blank=True, related_name="indicators"
    )

    history = HistoricalRecords(m2m_fields=[objectives, actions])

    class Meta:
        verbose_name = "indicateur"
        ordering = ["code"]

    def clean(self):
        if self.kind in (Kind.RATE, Kind.MEDIAN) and self.summable:
            raise ValidationError({"summable": "Un taux ou une médiane ne s'additionne pas."})

    def get_absolute_url(self):
        return reverse("evaluation:indicator", args=[self.pk])

    def __str__(self):
        return self.name


class Sex(models.TextChoices):
    ALL = "", "Ensemble"
    WOMEN = "f", "Femmes"
    MEN = "h", "Hommes"


class Geography(models.TextChoices):
    NONE = "", "Sans objet"
    QPV_2015 = "QPV 2015", "QPV 2015 (géographie prioritaire 2015-2023)"
    QPV_2024 = "QPV 2024", "QPV 2024 (géographie prioritaire 2024)"
    IRIS = "IRIS", "IRIS"


class Measurement(SoftDeletable):
    """One figure: an indicator's value on a territory (or a named area the tool does
    not hold, e.g. an IRIS or « France »), for a period and a breakdown."""

    indicator = models.ForeignKey(
        Indicator, verbose_name="indicateur", on_delete=models.PROTECT, related_name="measurements"
    )
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    area = models.CharField(
        "autre zone",
        max_length=120,
        blank=True,
        help_text="Une zone que l'outil ne connaît pas comme territoire (IRIS, France…).",
    )
    period = models.CharField("période, telle qu'écrite", max_length=60, blank=True)
    year = models.PositiveSmallIntegerField("année", null=True, blank=True)
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices, blank=True, default="")
    age_band = models.CharField("tranche d'âge", max_length=40, blank=True)
    value = models.DecimalField("valeur", max_digits=16, decimal_places=4, null=True, blank=True)
    numerator = models.DecimalField(
        "numérateur", max_digits=16, decimal_places=4, null=True, blank=True
    )
    denominator = models.DecimalField(
        "dénominateur", max_digits=16, decimal_places=4, null=True, blank=True
    )
    secret = models.BooleanField(
        "secret statistique", default=False, help_text="Valeur masquée : jamais affichée, ni 0."
    )
    producer = models.CharField("producteur", max_length=255, blank=True)
    source = models.CharField("source, telle qu'écrite", max_length=500, blank=True)
    vintage = models.CharField("millésime, tel qu'écrit", max_length=60, blank=True)
    geography = models.CharField(
        "géographie", max_length=10, choices=Geography.choices, blank=True, default=""
    )
    seed_text = models.TextField("texte du contrat", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    scope_territory_path = "territory"

    class Meta:
        verbose_name = "mesure"
        ordering = ["indicator", "year", "period", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "territory", "area", "period", "sex", "age_band", "geography"],
                condition=Q(deleted_at__isnull=True),
                name="evaluation_measurement_unique",
            ),
            models.CheckConstraint(
                condition=Q(territory__isnull=False) | ~Q(area=""),
                name="evaluation_measurement_has_place",
            ),
        ]
        indexes = [
            models.Index(fields=["indicator", "territory", "year"]),
            models.Index(fields=["indicator", "year"]),
            # an indicator's page: its live measurements counted, the latest 200 read in
            # index order (no sort of the whole series)
            models.Index(
                fields=["indicator", "-year", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="evaluation_measurement_latest",
            ),
            # a territory's dashboard: the latest year of each indicator on it
            models.Index(
                fields=["territory", "sex", "age_band", "indicator", "year"],
                condition=Q(deleted_at__isnull=True),
                name="evaluation_measurement_place",
            ),
        ]

    @property
    def place(self) -> str:
        return self.territory.name if self.territory_id else self.area

    def scope_territory(self):
        return self.territory

    def clean(self):
        errors = {}
        if self.territory_id is None and not self.area.strip():
            errors["territory"] = "Indiquez le territoire ou la zone de la mesure."
        if self.secret and self.value is not None:
            errors["value"] = "Une valeur sous secret statistique n'est pas saisie."
        if not self.secret and self.value is None:
            errors["value"] = "Indiquez la valeur (ou cochez le secret statistique)."
        indicator = self.indicator if self.indicator_id else None
        is_rate = indicator is not None and indicator.kind == Kind.RATE
        if is_rate and self.value is not None and not 0 <= self.value <= 100:
            errors["value"] = "Un taux est compris entre 0 et 100 %."
        if self.numerator is not None and self.denominator is not None:
            if self.denominator <= 0:
                errors["denominator"] = "Le dénominateur doit être positif."
            elif self.numerator > self.denominator:
                errors["numerator"] = "Le numérateur ne peut pas dépasser le dénominateur."
        if errors:
            raise ValidationError(errors)

    def __str__(self):
        return f"{self.indicator} — {self.place} — {self.period}"


def with_place(qs):
    """Measurements with their territory's name, never its perimeter (a commune's
    GeoJSON weighs more than a page of measurements)."""
    return qs.select_related("territory").defer("territory__geometry")


class GapKind(models.TextChoices):
    POINTS = "points", "Écart en points"
    RATIO = "rapport", "Rapport (« n fois »)"
    SHARE = "part", "Part de la référence"


class DiagnosticRow(Seeded, SoftDeletable):
    """A row of one of the seed's diagnostic tables: a reference figure (the MEL, or the
    commune for the jobseekers), the figures compared to it, the seed's own wording of
    the gap. The gap itself is computed (`gaps.row_gaps`)."""

    table = models.CharField("tableau", max_length=20, help_text="« 1.1.a », « panorama »…")
    title = models.CharField("intitulé du tableau", max_length=255)
    position = models.PositiveSmallIntegerField("ordre", default=0)
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="rows")
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name="volet communal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reference = models.ForeignKey(
        Measurement, verbose_name="référence", on_delete=models.PROTECT, related_name="+"
    )
    compared = models.ManyToManyField(Measurement, verbose_name="comparées", related_name="+")
    gap_kind = models.CharField("écart", max_length=8, choices=GapKind.choices)
    reference_text = models.TextField("colonne de référence, telle qu'écrite", blank=True)
    compared_text = models.TextField("colonne comparée, telle qu'écrite", blank=True)
    seed_wording = models.TextField("écart, tel qu'écrit", blank=True)
    sources = models.TextField("sources, telles qu'écrites", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "ligne de diagnostic"
        verbose_name_plural = "lignes de diagnostic"
        ordering = ["table", "position", "pk"]

    def __str__(self):
        return f"{self.table} — {self.indicator}"


class Shape(models.TextChoices):
    EXACT = "exact", "Valeur à atteindre"
    MIN = "min", "Au moins"
    MAX = "max", "Au plus"
    RANGE = "intervalle", "Entre deux valeurs"
    GAP_REDUCTION = "reduction", "Réduction de l'écart"


class Status(models.TextChoices):
    ON_TRACK = "atteinte", "En bonne voie"
    AT_RISK = "risque", "À surveiller"
    OFF_TRACK = "ecart", "Hors trajectoire"
    UNKNOWN = "inconnu", "Sans mesure"


class Target(Seeded, SoftDeletable):
    """A target written in an objective, kept verbatim with its shape."""

    objective = models.ForeignKey(
        "contract.Objective",
        verbose_name="objectif",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets",
    )
    indicator = models.ForeignKey(
        Indicator,
        verbose_name="indicateur",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="targets",
    )
    shape = models.CharField("forme", max_length=10, choices=Shape.choices)
    low = models.DecimalField(
        "valeur basse", max_digits=16, decimal_places=4, null=True, blank=True
    )
    high = models.DecimalField(
        "valeur haute", max_digits=16, decimal_places=4, null=True, blank=True
    )
    unit = models.CharField("unité", max_length=40, blank=True)
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    territory_text = models.CharField("territoire, tel qu'écrit", max_length=255, blank=True)
    due_year = models.PositiveSmallIntegerField("échéance (année)", null=True, blank=True)
    seed_text = models.TextField("texte de la cible, tel qu'écrit")
    source = models.CharField("source", max_length=255, blank=True)

    history = HistoricalRecords()

    scope_territory_path = "territory"

    class Meta:
        verbose_name = "cible"
        ordering = ["pk"]

    def scope_territory(self):
        return self.territory

    def clean(self):
        if self.shape == Shape.RANGE and (self.low is None or self.high is None):
            raise ValidationError("Une cible « entre » a deux bornes.")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValidationError("La borne basse dépasse la borne haute.")

    def bound_text(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        low = number_text(self.low) + unit if self.low is not None else ""
        high = number_text(self.high) + unit if self.high is not None else ""
        return {
            Shape.EXACT: low or high,
            Shape.MIN: f"au moins {low}",
            Shape.MAX: f"au plus {high}",
            Shape.RANGE: f"entre {low} et {high}",
            Shape.GAP_REDUCTION: f"réduire l'écart de {low}",
        }[self.shape]

    def __str__(self):
        return self.seed_text


AT_RISK_MARGIN = Decimal("0.1")  # within 10 % of a bound: to watch


class EvaluativeQuestion(Seeded, SoftDeletable):
    text = models.TextField("question")
    position = models.PositiveSmallIntegerField("ordre", default=0)
    enjeu = models.ForeignKey(
        "contract.Enjeu", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.ForeignKey(
        "actions.Action",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evaluative_questions",
    )
    source = models.CharField("source", max_length=255, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "question évaluative"
        verbose_name_plural = "questions évaluatives"
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text


# --- bilans of the carriers (individual evaluation, §3.2) -----------------------------


class ResidenceMethod(models.TextChoices):
    DECLARED = "declare", "Déclaré par les bénéficiaires ou le porteur"
    CHECKED = "adresses", "Vérifié à partir des adresses"


AGE_BANDS = [("0-15", "0 à 15 ans"), ("16-25", "16 à 25 ans"), ("26-64", "26 à 64 ans"),
             ("65+", "65 ans et plus")]  # fmt: skip


class Bilan(SoftDeletable):
    """The yearly bilan of an action by its porteur: beneficiaries (where they live and
    how that was established, by sex and age band), results, answers to the evaluative
    questions, the financial report; due within six months of the year's end."""

    action = models.ForeignKey(
        "actions.Action", verbose_name="action", on_delete=models.PROTECT, related_name="bilans"
    )
    year = models.PositiveSmallIntegerField("année")
    beneficiaries = models.PositiveIntegerField("bénéficiaires (total)", null=True, blank=True)
    in_pac = models.PositiveIntegerField("vivant dans un PAC", null=True, blank=True)
    elsewhere = models.PositiveIntegerField("vivant ailleurs", null=True, blank=True)
    residence_method = models.CharField(
        "lieu de vie établi", max_length=10, choices=ResidenceMethod.choices, blank=True
    )
    women = models.PositiveIntegerField("femmes", null=True, blank=True)
    men = models.PositiveIntegerField("hommes", null=True, blank=True)
    ages = models.JSONField("par tranche d'âge", default=dict, blank=True)
    results = models.TextField("résultats au regard des objectifs et indicateurs", blank=True)
    submitted_on = models.DateField("transmis le", null=True, blank=True, editable=False)

    history = HistoricalRecords()

    scope_territory_path = "action__commune"
    scope_organisation_path = "action__porteur"

    class Meta:
        verbose_name = "bilan"
        ordering = ["-year", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["action", "year"],
                condition=Q(deleted_at__isnull=True),
                name="evaluation_bilan_one_per_year",
            )
        ]

    def scope_territory(self):
        return self.action.commune

    def scope_organisation(self):
        return self.action.porteur

    @property
    def due_on(self):
        return date(self.year + 1, 6, 30)

    def is_late(self, today) -> bool:
        if self.submitted_on is not None:
            return self.submitted_on > self.due_on
        return today > self.due_on

    def get_absolute_url(self):
        return reverse("evaluation:bilan", args=[self.pk])

    def __str__(self):
        return f"Bilan {self.year} — {self.action}"


class BilanResidence(models.Model):
    """Beneficiaries of a bilan living in one QPV."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="residences")
    territory = models.ForeignKey(
        "territories.Territory", on_delete=models.PROTECT, related_name="+"
    )
    count = models.PositiveIntegerField("bénéficiaires")

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bilan", "territory"], name="evaluation_residence_once")
        ]

    def __str__(self):
        return f"{self.territory_id} : {self.count}"


class BilanAnswer(models.Model):
    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(EvaluativeQuestion, on_delete=models.PROTECT, related_name="+")
    text = models.TextField("réponse")

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bilan", "question"], name="evaluation_answer_once")
        ]

    def __str__(self):
        return self.text


class Heading(models.TextChoices):
    """The headings of the compte rendu financier (CERFA 15059)."""

    C60 = "60", "60 – Achats"
    C61 = "61", "61 – Services extérieurs"
    C62 = "62", "62 – Autres services extérieurs"
    C63 = "63", "63 – Impôts et taxes"
    C64 = "64", "64 – Charges de personnel"
    C65 = "65", "65 – Autres charges de gestion courante"
    C66 = "66", "66 – Charges financières"
    C67 = "67", "67 – Charges exceptionnelles"
    C68 = "68", "68 – Dotation aux amortissements"
    C86 = "86", "86 – Emplois des contributions volontaires en nature"
    P70 = "70", "70 – Ventes de produits finis, prestations de services"
    P74 = "74", "74 – Subventions d'exploitation"
    P75 = "75", "75 – Autres produits de gestion courante"
    P76 = "76", "76 – Produits financiers"
    P77 = "77", "77 – Produits exceptionnels"
    P78 = "78", "78 – Reprises sur amortissements et provisions"
    P87 = "87", "87 – Contributions volontaires en nature"


EXPLAIN_GAP_ABOVE = Decimal("0.2")  # a gap of more than 20 % of the planned amount is explained


class FinanceLine(models.Model):
    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="finance_lines")
    heading = models.CharField("rubrique", max_length=2, choices=Heading.choices)
    planned = models.DecimalField("prévu", max_digits=12, decimal_places=2)
    realised = models.DecimalField("réalisé", max_digits=12, decimal_places=2)
    explanation = models.TextField("explication de l'écart", blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["heading", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["bilan", "heading"], name="evaluation_finance_once")
        ]

    def __str__(self):
        return self.get_heading_display()

    @property
    def is_charge(self) -> bool:
        return self.heading < "70" or self.heading == "86"

    @property
    def gap(self) -> Decimal:
        return self.realised - self.planned

    def clean(self):
        errors = {}
        for name in ("planned", "realised"):
            value = getattr(self, name)
            if value is not None and value < 0:
                errors[name] = "Un montant ne peut pas être négatif."
        if not errors and self.planned is not None and self.realised is not None:
            base = self.planned or Decimal(1)
            if abs(self.gap) > abs(base) * EXPLAIN_GAP_ABOVE and not self.explanation.strip():
                errors["explanation"] = (
                    "L'écart entre le prévu et le réalisé dépasse 20 % : expliquez-le."
                )
        if errors:
            raise ValidationError(errors)


class CountStatus(models.TextChoices):
    QUEUED = "en_attente", "En attente du traitement"
    RUNNING = "en_cours", "En cours"
    DONE = "termine", "Terminé"
    FAILED = "echec", "Échec"


class AddressCount(models.Model):
    """Where the beneficiaries of a bilan live, counted from a list of addresses or
    coordinates: only the counts are kept; the file and its rows are deleted as soon
    as the worker has read them."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="address_counts")
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    extension = models.CharField(max_length=5)
    status = models.CharField(
        max_length=10, choices=CountStatus.choices, default=CountStatus.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = "comptage d'adresses"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"Comptage {self.pk}"

    def scope_territory(self):
        return self.bilan.action.commune

    def scope_organisation(self):
        return self.bilan.action.porteur

    @property
    def file_name(self) -> str:
        return f"evaluation/comptages/{self.pk}.{self.extension}"


class ReportKind(models.TextChoices):
    ANNUAL = "annuel", "Rapport annuel (décret n° 2015-1118)"
    MILESTONE = "etape", "Point d'étape (MEL, §6.3)"


class Report(models.Model):
    """A report frozen when generated: its `snapshot` holds every figure and text shown
    (its sections, `reports.snapshot`), so that the report read or downloaded later,
    as a page, an ODT or a DOCX file, is identical."""

    kind = models.CharField(
        "nature", max_length=10, choices=ReportKind.choices, default=ReportKind.ANNUAL
    )
    year = models.PositiveSmallIntegerField("année")
    title = models.CharField("titre", max_length=255)
    snapshot = models.JSONField("contenu figé", editable=False)
    created_at = models.DateTimeField("généré le", auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "rapport"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("evaluation:report", args=[self.pk])


# --- collective evaluation (§3.2-3.3): thematic working groups ---------------------------


class WorkingGroup(SoftDeletable):
    """A thematic working group of one enjeu: associations, municipal services and
    residents (§3.3). Its sessions are the meetings of its instance in the meetings app."""

    enjeu = models.ForeignKey(
        "contract.Enjeu", verbose_name="enjeu", on_delete=models.PROTECT, related_name="+"
    )
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name="commune",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField("nom", max_length=255)
    description = models.TextField("description", blank=True)
    series = models.ForeignKey(
        "meetings.MeetingSeries",
        verbose_name="instance de ses séances",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Les séances du groupe sont les réunions de cette instance (agenda).",
    )

    history = HistoricalRecords()

    scope_territory_path = "commune"

    class Meta:
        verbose_name = "groupe de travail thématique"
        verbose_name_plural = "groupes de travail thématiques"
        ordering = ["enjeu__number", "name", "pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("evaluation:group", args=[self.pk])

    def scope_territory(self):
        return self.commune


class MemberKind(models.TextChoices):
    ORGANISATION = "organisation", "Organisation de l'annuaire"
    SERVICE = "service", "Service municipal"
    RESIDENT = "habitant", "Habitant ou habitante"


class WorkingGroupMember(models.Model):
    """A member: an organisation of the directory, a service named as such, or a
    resident whose name a coordinator typed (never shown publicly)."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="members")
    kind = models.CharField("nature", max_length=12, choices=MemberKind.choices)
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name="organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(
        "nom du service ou de l'habitant",
        max_length=255,
        blank=True,
        help_text="Le nom d'un habitant n'est montré qu'aux coordinateurs.",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "membre d'un groupe de travail"
        ordering = ["kind", "name", "pk"]

    def __str__(self):
        return self.label

    def clean(self):
        if self.kind == MemberKind.ORGANISATION and self.organisation_id is None:
            raise ValidationError({"organisation": "Choisissez l'organisation de l'annuaire."})
        if self.kind != MemberKind.ORGANISATION and not self.name.strip():
            raise ValidationError({"name": "Indiquez le nom du service ou de l'habitant."})

    @property
    def label(self) -> str:
        return self.organisation.name if self.organisation_id else self.name


class FindingKind(models.TextChoices):
    FINDING = "constat", "Constat"
    PRACTICE = "pratique", "Bonne pratique"
    LEVER = "levier", "Levier"
    BRAKE = "frein", "Frein"


class Finding(models.Model):
    """What a working group found (a constat, a good practice, a lever, a brake: the
    words of MEL §6.3), in one of its sessions or not."""

    group = models.ForeignKey(WorkingGroup, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(
        "nature", max_length=10, choices=FindingKind.choices, default=FindingKind.FINDING
    )
    text = models.TextField("constat")
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name="séance",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_on = models.DateField("date")

    history = HistoricalRecords()

    class Meta:
        verbose_name = "constat"
        ordering = ["recorded_on", "pk"]

    def __str__(self):
        return self.text


class Recommendation(models.Model):
    """A recommendation of a working group, followed like a next step of a meeting (the
    meetings' vocabulary of statuses), each change of status dated."""

    group = models.ForeignKey(
        WorkingGroup, on_delete=models.CASCADE, related_name="recommendations"
    )
    finding = models.ForeignKey(
        Finding,
        verbose_name="constat à l'origine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recommendations",
    )
    text = models.TextField("recommandation")
    owner = models.CharField("qui", max_length=255, blank=True)
    owner_organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name="organisation en charge",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_date = models.DateField("échéance", null=True, blank=True)
    action = models.ForeignKey(
        "actions.Action",
        verbose_name="action concernée",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        "statut",
        max_length=20,
        choices=NextStepStatus.choices,
        default=NextStepStatus.TODO,
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    scope_territory_path = "group__commune"

    class Meta:
        verbose_name = "recommandation"
        ordering = ["due_date", "pk"]

    def __str__(self):
        return self.text

    def get_absolute_url(self):
        return reverse("evaluation_coordination:recommendation", args=[self.pk])

    def scope_territory(self):
        return self.group.commune

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    def is_late(self, today) -> bool:
        return self.is_open and self.due_date is not None and self.due_date < today

    @property
    def owner_text(self) -> str:
        return self.owner_organisation.name if self.owner_organisation_id else self.owner


class RecommendationChange(StatusChange):
    """One dated change of a recommendation's status, with its reason."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="changes"
    )
    from_status = models.CharField("ancien statut", max_length=20, choices=NextStepStatus.choices)
    to_status = models.CharField("nouveau statut", max_length=20, choices=NextStepStatus.choices)

    history = HistoricalRecords()

    class Meta(StatusChange.Meta):
        verbose_name = "changement de statut d'une recommandation"


# a recommendation moves between the next steps' statuses freely, never to its own
RECOMMENDATION_MOVES = {s: [o for o in NextStepStatus if o != s] for s in NextStepStatus}


class Adjustment(models.Model):
    """An adjustment of an action decided from the evaluation (§3.2, « ajuster les
    stratégies en conséquence »): recorded here, on the action, which knows nothing of
    the evaluation."""

    action = models.ForeignKey(
        "actions.Action",
        verbose_name="action",
        on_delete=models.PROTECT,
        related_name="evaluation_adjustments",
    )
    recommendation = models.ForeignKey(
        Recommendation,
        verbose_name="recommandation à l'origine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="adjustments",
    )
    on = models.DateField("date")
    text = models.TextField("ajustement décidé")
    by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    scope_territory_path = "action__commune"

    class Meta:
        verbose_name = "ajustement d'une action"
        ordering = ["on", "pk"]

    def __str__(self):
        return self.text

    def scope_territory(self):
        return self.action.commune


class ReminderKind(models.TextChoices):
    BEFORE = "avant", "Avant l'échéance"
    LATE = "retard", "Bilan en retard"


class BilanReminder(models.Model):
    """A reminder emailed to the porteur's people about a bilan not yet transmitted:
    once before the due date, then once a month while late (`period`: « avant » or the
    month, « 2026-07 »); the unique row keeps a daily run from sending it twice."""

    bilan = models.ForeignKey(Bilan, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField("nature", max_length=6, choices=ReminderKind.choices)
    period = models.CharField("période", max_length=10)
    sent_at = models.DateTimeField("envoyé le", auto_now_add=True)
    recipients = models.PositiveSmallIntegerField("destinataires", default=0)

    class Meta:
        verbose_name = "rappel de bilan"
        verbose_name_plural = "rappels de bilans"
        constraints = [
            models.UniqueConstraint(
                fields=["bilan", "kind", "period"], name="evaluation_one_bilan_reminder"
            )
        ]

    def __str__(self):
        return f"{self.bilan} ({self.get_kind_display()}, {self.period})"
