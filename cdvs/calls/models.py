"""Calls for projects (appels à projets) of the droit commun and of the crédits
spécifiques, and the alerts that tell partners about them.

A call's status (à venir, ouvert, clôture proche, clos) is computed at the current date,
never stored: `CallForProjects.objects.open()`, `.closing_soon()`, `.upcoming()`,
`.closed()`. A recurring call (e.g. every year) has sessions yielded by its rule from
its first session's dates; its status follows its current session (the first one that
has not closed yet, else the last one).
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cdvs.accounts.permissions import Visibility
from cdvs.accounts.visibility import Visible, VisibleQuerySet, visibility_field
from cdvs.core.cache import cached, data_version
from cdvs.core.models import LiveManager, LiveQuerySet, SoftDeletable
from cdvs.directory import vocabulary as voc
from cdvs.directory.models import OrganisationKind

CLOSING_SOON_DAYS = 15
NO_DEADLINE = date(9999, 12, 31)  # sort key of the calls au fil de l'eau
MAX_SESSIONS = 500  # a guard: a rule never yields more sessions than this


class Status(models.TextChoices):
    UPCOMING = "a_venir", "À venir"
    OPEN = "ouvert", "Ouvert"
    CLOSING_SOON = "cloture_proche", "Clôture proche"
    CLOSED = "clos", "Clos"


class Nature(models.TextChoices):
    COMMON_LAW = "droit_commun", "Droit commun"
    SPECIFIC = "credits_specifiques", "Crédits spécifiques"


class Recurrence(models.TextChoices):
    NONE = "", "Session unique"
    YEARLY = "annuelle", "Chaque année"
    HALF_YEARLY = "semestrielle", "Tous les six mois"
    QUARTERLY = "trimestrielle", "Tous les trois mois"


RECURRENCE_MONTHS = {
    Recurrence.YEARLY: 12,
    Recurrence.HALF_YEARLY: 6,
    Recurrence.QUARTERLY: 3,
}


def add_months(day: date, months: int) -> date:
    """`day` moved by `months` months, the day clamped to the end of the month (as
    dateutil's relativedelta does, ten times faster: list pages call it a lot)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


@dataclass(frozen=True)
class Session:
    opens_on: date
    closes_on: date | None


def sessions(opens_on, closes_on, recurrence="", until=None):
    """The sessions of a call: the first one, then one per period of its rule (dates
    computed from the first session, so 31 January stays the last day of the month),
    the last one opening no later than `until` (endless without it)."""
    yield Session(opens_on, closes_on)
    months = RECURRENCE_MONTHS.get(recurrence)
    if not months or closes_on is None:
        return
    for k in range(1, MAX_SESSIONS):
        session = Session(add_months(opens_on, months * k), add_months(closes_on, months * k))
        if until is not None and session.opens_on > until:
            return
        yield session


def current_session(opens_on, closes_on, recurrence="", until=None, today=None) -> Session:
    """The session that gives the status at `today`: the first not closed yet, else the
    last one."""
    today = today or timezone.localdate()
    months = RECURRENCE_MONTHS.get(recurrence)
    if months and closes_on is not None and closes_on < today:
        # straight to the first period closing on or after today (list pages compute
        # this for every recurring call on each request): at most two tries
        elapsed = (today.year - closes_on.year) * 12 + today.month - closes_on.month
        k = min(max(1, elapsed // months), MAX_SESSIONS - 1)
        closes = add_months(closes_on, months * k)
        if closes < today and k < MAX_SESSIONS - 1:
            k += 1
            closes = add_months(closes_on, months * k)
        opens = add_months(opens_on, months * k)
        if until is None or opens <= until:
            return Session(opens, closes)
        # past the last session: found below by walking the sessions
    last = None
    for session in sessions(opens_on, closes_on, recurrence, until):
        if session.closes_on is None or session.closes_on >= today:
            return session
        last = session
    return last


def session_status(session: Session, today=None) -> str:
    today = today or timezone.localdate()
    if session.opens_on > today:
        return Status.UPCOMING
    if session.closes_on is None:
        return Status.OPEN
    if session.closes_on < today:
        return Status.CLOSED
    if session.closes_on <= today + timedelta(days=CLOSING_SOON_DAYS):
        return Status.CLOSING_SOON
    return Status.OPEN


def _single_session(status: str, today: date) -> Q:
    """Calls of one session with `status` at `today`, as a condition on their dates."""
    soon = today + timedelta(days=CLOSING_SOON_DAYS)
    started = Q(opens_on__lte=today)
    if status == Status.UPCOMING:
        return Q(opens_on__gt=today)
    if status == "en_cours":  # open, closing soon included
        return started & (Q(closes_on__isnull=True) | Q(closes_on__gte=today))
    if status == Status.OPEN:
        return started & (Q(closes_on__isnull=True) | Q(closes_on__gt=soon))
    if status == Status.CLOSING_SOON:
        return started & Q(closes_on__gte=today, closes_on__lte=soon)
    if status == Status.CLOSED:
        return Q(closes_on__lt=today)
    raise ValueError(f"Statut inconnu : {status}")


class CallQuerySet(VisibleQuerySet, LiveQuerySet):
    def _recurring_ids(self, statuses, today):
        """Recurring calls are few: their current session is computed here, and the
        answer kept in the cache for the day under a version read from the database
        (the live recurring calls' count and highest id, and the last history record of
        any call: every edit, trash or restore goes through `save()` and its history),
        so that every process sees a change at once."""
        recurring = self.model.all_objects.filter(
            recurrence__in=list(RECURRENCE_MONTHS), deleted_at__isnull=True
        )
        version = data_version(recurring, self.model)
        key = ("calls:recurring", today.isoformat(), ",".join(sorted(statuses)), version)

        def compute():
            rows = recurring.values_list(
                "pk", "opens_on", "closes_on", "recurrence", "recurrence_until"
            )
            return [
                pk
                for pk, opens_on, closes_on, recurrence, until in rows
                if session_status(
                    current_session(opens_on, closes_on, recurrence, until, today), today
                )
                in statuses
            ]

        return cached(key, compute, 24 * 3600)

    def with_status(self, status: str, today=None):
        """status: a `Status` value, or "en_cours" (open, closing soon included)."""
        today = today or timezone.localdate()
        groups = {
            "en_cours": {Status.OPEN, Status.CLOSING_SOON},
            "actifs": {Status.OPEN, Status.CLOSING_SOON, Status.UPCOMING},
        }
        statuses = groups.get(status, {status})
        if status == "actifs":
            single = _single_session(Status.UPCOMING, today) | _single_session("en_cours", today)
        else:
            single = _single_session(status, today)
        return self.filter(
            (Q(recurrence=Recurrence.NONE) & single)
            | Q(pk__in=self._recurring_ids(statuses, today))
        )

    def upcoming(self, today=None):
        return self.with_status(Status.UPCOMING, today)

    def open(self, today=None):
        """Accepting applications at `today` (those closing soon included)."""
        return self.with_status("en_cours", today)

    def closing_soon(self, today=None):
        """Open and closing within `CLOSING_SOON_DAYS` days (today included)."""
        return self.with_status(Status.CLOSING_SOON, today)

    def closed(self, today=None):
        return self.with_status(Status.CLOSED, today)

    def active(self, today=None):
        """Not closed: open or upcoming."""
        return self.with_status("actifs", today)


class CallManager(LiveManager.from_queryset(CallQuerySet)):
    pass


def refresh_sort_dates(today=None) -> int:
    """Moves recurring calls whose session changed to their current closing date (the
    order of the lists); returns how many moved."""
    moved = 0
    rows = CallForProjects.all_objects.filter(recurrence__in=list(RECURRENCE_MONTHS)).values_list(
        "pk", "opens_on", "closes_on", "recurrence", "recurrence_until", "sort_date"
    )
    for pk, opens_on, closes_on, recurrence, until, sort_date in rows:
        current = current_session(opens_on, closes_on, recurrence, until, today).closes_on
        current = current or NO_DEADLINE
        if current != sort_date:
            CallForProjects.all_objects.filter(pk=pk).update(sort_date=current)
            moved += 1
    return moved


def _tags(prefix: str, codes) -> str:
    return "".join(f"|{prefix}:{c}" for c in codes or [])


class CallForProjects(SoftDeletable, Visible):
    title = models.CharField("intitulé", max_length=255)
    funder_name = models.CharField(
        "financeur", max_length=255, help_text="Par exemple : État, MEL, CAF du Nord, Région."
    )
    funder = models.ForeignKey(
        "directory.Organisation",
        verbose_name="fiche du financeur dans l'annuaire",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls_funded",
    )
    description = models.TextField(
        "description", blank=True, help_text="Mise en forme Markdown (titres, listes, liens)."
    )
    amount_min = models.DecimalField(
        "montant minimum (€)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, "Le montant ne peut pas être négatif.")],
    )
    amount_max = models.DecimalField(
        "montant maximum (€)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, "Le montant ne peut pas être négatif.")],
    )
    envelope = models.DecimalField(
        "enveloppe totale (€)",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0, "Le montant ne peut pas être négatif.")],
    )
    carriers = models.JSONField(
        "porteurs éligibles",
        default=list,
        blank=True,
        help_text="Aucun : tous les types de structures.",
    )
    publics = models.JSONField("publics visés", default=list, blank=True)
    thematiques = models.JSONField("thématiques", default=list, blank=True)
    territories = models.ManyToManyField(
        "territories.Territory",
        verbose_name="territoires éligibles",
        blank=True,
        related_name="calls",
        help_text="Aucun : tout le territoire du contrat.",
    )
    enjeux = models.ManyToManyField(
        "contract.Enjeu", verbose_name="enjeux du contrat", blank=True, related_name="calls"
    )
    opens_on = models.DateField("date d'ouverture")
    closes_on = models.DateField(
        "date de clôture",
        null=True,
        blank=True,
        help_text="Laissez vide pour un appel au fil de l'eau.",
    )
    closes_at = models.TimeField(
        "heure limite", null=True, blank=True, help_text="Facultative, par exemple 12:00."
    )
    recurrence = models.CharField(
        "récurrence", max_length=20, choices=Recurrence.choices, default="", blank=True
    )
    recurrence_until = models.DateField(
        "dernière session au plus tard le",
        null=True,
        blank=True,
        help_text="Pour un appel récurrent : dernière date d'ouverture possible.",
    )
    link = models.URLField("lien vers l'appel", blank=True)
    nature = models.CharField(
        "nature des crédits", max_length=20, choices=Nature.choices, default=Nature.COMMON_LAW
    )
    visibility = visibility_field(default=Visibility.PUBLIC)
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire de gestion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_calls",
        help_text="Ses coordinateurs gèrent l'appel ; vide : tout coordinateur du contrat.",
    )
    # codes of the filters, as words: |k:kind|p:public|t:thematique|
    tags = models.TextField(editable=False, default="")
    # the closing date of the current session, for the order of the lists only (set on
    # save; recurring calls are moved to their next session by `refresh_sort_dates`,
    # run daily with the alerts; calls au fil de l'eau last: `NO_DEADLINE`); the status
    # never reads it. Never null, so that a plain index serves the order.
    sort_date = models.DateField(default=NO_DEADLINE, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["tags", "sort_date"])
    objects = CallManager()
    all_objects = models.Manager.from_queryset(CallQuerySet)()

    scope_territory_path = "commune"

    class Meta:
        verbose_name = "appel à projets"
        verbose_name_plural = "appels à projets"
        ordering = ["sort_date", "opens_on", "pk"]
        base_manager_name = "all_objects"
        indexes = [
            models.Index(fields=["closes_on", "opens_on"], name="calls_dates_idx"),
            models.Index(fields=["opens_on"], name="calls_opens_idx"),
            # covers what the status of recurring calls is computed from
            models.Index(
                fields=[
                    "recurrence",
                    "deleted_at",
                    "opens_on",
                    "closes_on",
                    "recurrence_until",
                    "updated_at",
                ],
                name="calls_recurring_v2_idx",
            ),
            # the order of the lists, with what the filters read: whatever the
            # visibilities a reader has, a page is read in order from the index
            models.Index(
                fields=[
                    "sort_date",
                    "opens_on",
                    "visibility",
                    "closes_on",
                    "recurrence",
                    "deleted_at",
                ],
                name="calls_order_idx",
            ),  # fmt: skip
            # covers the visibility, the status conditions and the order: the list pages
            # count and pick a page of ids from the index alone, then read 20 rows
            models.Index(
                fields=[
                    "visibility",
                    "sort_date",
                    "opens_on",
                    "closes_on",
                    "recurrence",
                    "deleted_at",
                ],
                name="calls_status_idx",
            ),  # fmt: skip
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("calls:detail", args=[self.pk])

    def scope_territory(self):
        return self.commune

    def clean(self):
        errors = {}
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            errors["closes_on"] = "La date de clôture doit suivre la date d'ouverture."
        if (
            self.amount_min is not None
            and self.amount_max is not None
            and self.amount_min > self.amount_max
        ):
            errors["amount_max"] = (
                "Le montant maximum doit être supérieur ou égal au montant minimum."
            )
        if (
            self.envelope is not None
            and self.amount_max is not None
            and self.amount_max > self.envelope
        ):
            errors["envelope"] = (
                "L'enveloppe totale ne peut pas être inférieure au montant maximum."
            )
        if self.recurrence and self.closes_on is None:
            errors["recurrence"] = (
                "Un appel récurrent a une date de clôture : sans elle, il reste ouvert "
                "au fil de l'eau."
            )
        if self.recurrence_until and self.opens_on and self.recurrence_until < self.opens_on:
            errors["recurrence_until"] = "Cette date doit suivre la date d'ouverture."
        if self.closes_at and not self.closes_on:
            errors["closes_at"] = "Une heure limite accompagne une date de clôture."
        for field, labels, what in (
            ("carriers", dict(OrganisationKind.choices), "porteur"),
            ("publics", voc.PUBLIC_LABELS, "public"),
            ("thematiques", voc.THEMATIQUE_LABELS, "thématique"),
        ):
            unknown = [c for c in getattr(self, field) or [] if c not in labels]
            if unknown:
                errors[field] = f"Valeur inconnue ({what}) : {', '.join(map(str, unknown))}."
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.tags = (
            _tags("k", self.carriers) + _tags("p", self.publics) + _tags("t", self.thematiques)
        ) + "|"
        closes_on = self.current_session().closes_on if self.opens_on else None
        self.sort_date = closes_on or NO_DEADLINE
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {"tags", "sort_date"}
        super().save(*args, **kwargs)

    # --- dates and status

    def current_session(self, today=None) -> Session:
        return current_session(
            self.opens_on, self.closes_on, self.recurrence, self.recurrence_until, today
        )

    def status(self, today=None) -> str:
        return session_status(self.current_session(today), today)

    def status_label(self, today=None) -> str:
        return Status(self.status(today)).label

    def upcoming_sessions(self, count=3, today=None) -> list[Session]:
        """The current session and the next ones (recurring calls), for calendars."""
        today = today or timezone.localdate()
        found = []
        for session in sessions(
            self.opens_on, self.closes_on, self.recurrence, self.recurrence_until
        ):
            if session.closes_on is None or session.closes_on >= today:
                found.append(session)
                if len(found) >= count:
                    break
        return found or [self.current_session(today)]

    @property
    def carrier_labels(self):
        labels = dict(OrganisationKind.choices)
        return [labels.get(c, c) for c in self.carriers or []]

    @property
    def public_labels(self):
        return [voc.PUBLIC_LABELS.get(c, c) for c in self.publics or []]

    @property
    def thematique_labels(self):
        return [voc.THEMATIQUE_LABELS.get(c, c) for c in self.thematiques or []]


class CallAttachment(SoftDeletable):
    """A file attached to a call (rules, application form): checked from its content,
    always downloaded, never shown inline."""

    call = models.ForeignKey(CallForProjects, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField("fichier", upload_to="appels/%Y/%m/")
    filename = models.CharField("nom du fichier", max_length=200)
    content_type = models.CharField("type", max_length=120)
    size = models.PositiveIntegerField("taille (octets)")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "pièce jointe"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.filename


class Frequency(models.TextChoices):
    INSTANT = "immediate", "Dès la publication (envoi quotidien)"
    WEEKLY = "hebdomadaire", "Une fois par semaine"


class SavedSearch(models.Model):
    """A person's filters of the list of calls, with the alerts they want."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_searches"
    )
    name = models.CharField("nom de la recherche", max_length=120)
    query = models.CharField("filtres", max_length=1000, blank=True)
    frequency = models.CharField(
        "alertes", max_length=20, choices=Frequency.choices, default=Frequency.WEEKLY
    )
    active = models.BooleanField("alertes actives", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "recherche enregistrée"
        verbose_name_plural = "recherches enregistrées"
        ordering = ["user", "name", "pk"]

    def __str__(self):
        return self.name

    def list_url(self):
        url = reverse("calls:list")
        return f"{url}?{self.query}" if self.query else url


class OrganisationAlertOptOut(models.Model):
    """This person does not want the alerts sent to their organisations' members."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_alert_opt_out"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.user} : sans alertes d'organisation"


class AlertSource(models.TextChoices):
    ORGANISATION = "organisation", "Compétences de l'organisation"
    SEARCH = "recherche", "Recherche enregistrée"


class CallAlertDelivery(models.Model):
    """A call was announced to a person: it is never announced to them again."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="call_deliveries"
    )
    call = models.ForeignKey(CallForProjects, on_delete=models.CASCADE, related_name="deliveries")
    source = models.CharField(max_length=20, choices=AlertSource.choices)
    saved_search = models.ForeignKey(
        SavedSearch, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "call"], name="calls_delivery_once"),
        ]

    def __str__(self):
        return f"{self.call} → {self.user}"
