"""Coordination instances (§2.1-2.3 of the volet communal): a series carries the rule
of an instance, its meetings are the occurrences; each meeting has an agenda, an
attendance list, minutes and next steps."""

import secrets
import uuid
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cdvs.accounts.permissions import Visibility
from cdvs.accounts.visibility import Visible, VisibleQuerySet, visibility_field
from cdvs.core.french import WEEKDAYS, date_text, hour_range
from cdvs.core.markup import render_markdown
from cdvs.core.models import LiveManager, LiveQuerySet, Seeded, SoftDeletable

from .recurrence import Period, Rule, RuleError

PARIS = ZoneInfo("Europe/Paris")


class Format(models.TextChoices):
    IN_PERSON = "presentiel", "Présentiel"
    VIDEO = "visio", "En visio"
    HYBRID = "hybride", "Hybride"


class Nth(models.IntegerChoices):
    FIRST = 1, "premier"
    SECOND = 2, "deuxième"
    THIRD = 3, "troisième"
    FOURTH = 4, "quatrième"
    LAST = -1, "dernier"


class Weekday(models.IntegerChoices):
    MONDAY = 0, WEEKDAYS[0]
    TUESDAY = 1, WEEKDAYS[1]
    WEDNESDAY = 2, WEEKDAYS[2]
    THURSDAY = 3, WEEKDAYS[3]
    FRIDAY = 4, WEEKDAYS[4]
    SATURDAY = 5, WEEKDAYS[5]
    SUNDAY = 6, WEEKDAYS[6]


class MeetingSeriesQuerySet(VisibleQuerySet, LiveQuerySet):
    pass


class MeetingSeries(Seeded, SoftDeletable, Visible):
    """An instance of coordination and its rule of recurrence."""

    section = models.ForeignKey(
        "contract.LocalSection",
        verbose_name="volet communal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_series",
    )
    commune = models.ForeignKey(
        "territories.Territory",
        verbose_name="commune",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meeting_series",
    )
    name = models.CharField("nom", max_length=255)
    short_name = models.CharField("nom court", max_length=80, blank=True)
    organiser = models.ForeignKey(
        "directory.Organisation",
        verbose_name="organisation qui anime",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organised_series",
    )
    organiser_label = models.CharField("animation (texte du contrat)", max_length=255, blank=True)
    participants = models.ManyToManyField(
        "directory.Organisation",
        verbose_name="organisations participantes",
        blank=True,
        related_name="meeting_series",
    )
    description = models.TextField("description", blank=True)
    seed_fields = models.JSONField(
        "fiche de l'instance (texte du contrat)", default=dict, blank=True, editable=False
    )
    related_texts = models.JSONField("autres passages du contrat", default=list, blank=True)
    calendar_label = models.CharField("libellé au calendrier", max_length=255, blank=True)
    source = models.CharField("source", max_length=255, blank=True)
    visibility = visibility_field(default=Visibility.PARTNERS)
    format = models.CharField("format", max_length=20, choices=Format.choices, blank=True)
    duration_minutes = models.PositiveIntegerField("durée (minutes)", null=True, blank=True)
    # rule of recurrence
    period = models.CharField(
        "périodicité", max_length=20, choices=Period.choices, default=Period.NONE
    )
    months = models.JSONField("mois", default=list, blank=True)
    weekday = models.PositiveSmallIntegerField(
        "jour de la semaine", choices=Weekday.choices, null=True, blank=True
    )
    nth = models.SmallIntegerField("rang dans le mois", choices=Nth.choices, null=True, blank=True)
    working_day = models.BooleanField(
        "jour ouvré",
        default=False,
        help_text="Ne compter que les jours ouvrés (hors jours fériés en France).",
    )
    start_time = models.TimeField("heure de début", null=True, blank=True)
    place = models.CharField("lieu", max_length=255, blank=True)
    rotating_place = models.BooleanField("lieu tournant", default=False)
    period_start = models.DateField("début de la période")
    period_end = models.DateField("fin de la période")
    # agenda structure: [{"temps": 1, "title": "...", "description": "..."}]
    agenda_template = models.JSONField("trame d'ordre du jour", default=list, blank=True)
    enjeu_rotation = models.BooleanField(
        "un enjeu du contrat à chaque réunion, à tour de rôle", default=False
    )
    feeds_into = models.ForeignKey(
        "self",
        verbose_name="remontées vers",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="fed_by",
        help_text="Les points non confidentiels remontent à la prochaine réunion de cette instance.",
    )
    position = models.PositiveIntegerField("ordre", default=0)

    objects = LiveManager.from_queryset(MeetingSeriesQuerySet)()
    all_objects = models.Manager.from_queryset(MeetingSeriesQuerySet)()
    history = HistoricalRecords()

    scope_territory_path = "commune"

    class Meta:
        verbose_name = "instance"
        verbose_name_plural = "instances"
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    @property
    def label(self):
        return self.short_name or self.name

    def scope_territory(self):
        return self.commune

    def clean(self):
        try:
            Rule.from_series(self).check()
        except RuleError as exc:
            raise ValidationError(exc.messages) from exc

    def rule_text(self) -> str:
        return Rule.from_series(self).describe()


class MeetingStatus(models.TextChoices):
    PLANNED = "planifiee", "Planifiée"
    CANCELLED = "annulee", "Annulée"
    HELD = "tenue", "Tenue"


def _new_uid():
    return f"{uuid.uuid4()}@cdvs"


class MeetingQuerySet(VisibleQuerySet, LiveQuerySet):
    def dated(self):
        return self.filter(day__isnull=False)

    def between(self, first: date, last: date):
        """Meetings on a day in [first, last], or to schedule in a window touching it
        (a dated meeting's window is its day)."""
        return self.filter(window_start__lte=last, window_end__gte=first)

    def upcoming(self, today: date | None = None):
        today = today or timezone.localdate()
        return self.filter(window_end__gte=today).exclude(status=MeetingStatus.CANCELLED)

    def past(self, today: date | None = None):
        return self.filter(window_end__lt=today or timezone.localdate())

    def for_organisation(self, organisation_id):
        return self.filter(
            Q(series__organiser_id=organisation_id)
            | Q(organiser_id=organisation_id)
            | Exists(
                MeetingSeries.participants.through.objects.filter(
                    meetingseries_id=OuterRef("series_id"), organisation_id=organisation_id
                )
            )
            | Exists(
                Attendance.objects.filter(
                    meeting_id=OuterRef("pk"), organisation_id=organisation_id
                )
            )
        )

    def for_user(self, user):
        """Meetings of the user's organisations, or where they are on the attendance list."""
        org_ids = list(user.memberships.values_list("organisation_id", flat=True))
        return self.filter(
            Q(series__organiser_id__in=org_ids)
            | Q(organiser_id__in=org_ids)
            | Exists(
                MeetingSeries.participants.through.objects.filter(
                    meetingseries_id=OuterRef("series_id"), organisation_id__in=org_ids
                )
            )
            | Exists(
                Attendance.objects.filter(meeting_id=OuterRef("pk")).filter(
                    Q(user=user) | Q(organisation_id__in=org_ids) | Q(email__iexact=user.email)
                )
            )
        )

    def chronological(self):
        return self.order_by("sort_date", "start", "pk")


class MeetingManager(LiveManager.from_queryset(MeetingQuerySet)):
    pass


class Meeting(SoftDeletable, Visible):
    """One occurrence of an instance (or a meeting on its own).

    A meeting whose day the contract does not give has no `day`: it is « à planifier »
    within its window (a month, a quarter, a year) until a coordinator sets the date.
    A meeting with a day but no `start` has its time still to set.
    """

    series = models.ForeignKey(
        MeetingSeries,
        verbose_name="instance",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    occurrence = models.CharField(
        "occurrence", max_length=20, blank=True, help_text="Repère de l'occurrence : 2025-03…"
    )
    title = models.CharField("titre", max_length=255)
    day = models.DateField("jour", null=True, blank=True)
    start = models.DateTimeField("début", null=True, blank=True)
    end = models.DateTimeField("fin", null=True, blank=True)
    window_start = models.DateField("à planifier à partir du")
    window_end = models.DateField("à planifier jusqu'au")
    window_label = models.CharField("période", max_length=80, blank=True)
    sort_date = models.DateField("date de classement", db_index=True)
    edited_by_hand = models.BooleanField(
        "modifiée à la main",
        default=False,
        help_text="Date, lieu ou enjeu fixés par un coordinateur : la règle ne la déplace plus.",
    )
    place = models.CharField("lieu", max_length=255, blank=True)
    format = models.CharField("format", max_length=20, choices=Format.choices, blank=True)
    video_url = models.URLField("lien de visio", blank=True)
    status = models.CharField(
        "statut", max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    cancel_reason = models.TextField("motif d'annulation", blank=True)
    visibility = visibility_field(default=Visibility.PARTNERS)
    organiser = models.ForeignKey(
        "directory.Organisation",
        verbose_name="organisation qui anime",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organised_meetings",
    )
    enjeu = models.ForeignKey(
        "contract.Enjeu",
        verbose_name="enjeu travaillé",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
    )
    action = models.ForeignKey(
        "contract.ActionLead",
        verbose_name="action suivie",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
        help_text="Pour le Copil de suivi d'une action : l'action du contrat qu'il suit.",
    )
    uid = models.CharField("identifiant iCalendar", max_length=120, unique=True, default=_new_uid)
    sequence = models.PositiveIntegerField("version iCalendar", default=0)
    invited_at = models.DateTimeField("invitations envoyées le", null=True, blank=True)
    reminded_at = models.DateTimeField("rappel envoyé le", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MeetingManager()
    all_objects = models.Manager.from_queryset(MeetingQuerySet)()
    history = HistoricalRecords(excluded_fields=["sort_date"])

    scope_territory_path = "series__commune"
    scope_organisation_path = "organiser"

    class Meta:
        verbose_name = "réunion"
        ordering = ["sort_date", "start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "occurrence"],
                condition=~Q(occurrence=""),
                name="one_meeting_per_occurrence",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__isnull=False, end__gt=models.F("start")),
                name="meeting_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["day"]),
            models.Index(fields=["window_start"]),
            models.Index(fields=["window_end"]),
            models.Index(fields=["sort_date", "start", "id"], name="meeting_chronological"),
        ]

    def __str__(self):
        return f"{self.title} — {self.when_text()}"

    def save(self, *args, **kwargs):
        if self.start is not None:
            self.day = timezone.localtime(self.start, PARIS).date()
        if self.day is not None:
            self.window_start = self.window_end = self.day
        self.sort_date = self.day or self.window_start
        if "update_fields" in kwargs and kwargs["update_fields"] is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {
                "day",
                "window_start",
                "window_end",
                "sort_date",
            }
        super().save(*args, **kwargs)

    def scope_territory(self):
        return self.series.commune if self.series_id else None

    def scope_organisation(self):
        return self.organiser

    @property
    def date_to_set(self) -> bool:
        return self.day is None

    @property
    def to_plan(self) -> bool:
        """Still « à planifier »: no day, neither held nor cancelled."""
        return self.day is None and self.status == MeetingStatus.PLANNED

    def planned_by(self) -> date:
        """The last day of the period the contract gives: the window, or its first
        quarter for « début d'année »."""
        if self.window_label.startswith("début d'année"):
            return date(self.window_start.year, 3, 31)
        return self.window_end

    @property
    def overdue(self) -> bool:
        """À planifier, and the period the contract gives for it is past."""
        return self.to_plan and self.planned_by() < timezone.localdate()

    @property
    def time_to_set(self) -> bool:
        return self.day is not None and self.start is None

    @property
    def is_cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED

    def local_start(self):
        return timezone.localtime(self.start, PARIS) if self.start else None

    def local_end(self):
        return timezone.localtime(self.end, PARIS) if self.end else None

    def when_text(self) -> str:
        """« lundi 3 mars 2025, 14 h 00 – 15 h 00 », « mars 2025 (date à fixer) »…"""
        if self.day is None:
            return f"{self.window_label or 'date'} (date à fixer)"
        text = date_text(self.day, weekday=True)
        if self.start:
            end = self.local_end().time() if self.end else None
            text += f", {hour_range(self.local_start().time(), end)}"
        else:
            text += " (horaire à fixer)"
        return text

    def place_text(self) -> str:
        rotating = bool(self.series_id and self.series.rotating_place)
        return describe_place(self.place, self.format, rotating)


def describe_place(place: str, format: str, rotating: bool) -> str:
    if place:
        return place
    if format == Format.VIDEO:
        return "En visio"
    if rotating:
        return "Lieu à préciser (lieu tournant entre les structures des QPV)"
    return "Lieu à préciser"


def aware(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=PARIS)


class Temps(models.IntegerChoices):
    ONE = 1, "Temps 1"
    TWO = 2, "Temps 2"
    THREE = 3, "Temps 3"


class ItemStatus(models.TextChoices):
    PROPOSED = "propose", "Proposé"
    ACCEPTED = "retenu", "Retenu"
    REJECTED = "ecarte", "Écarté"


def agenda_order():
    """The order of an agenda: by temps (points without a temps after the temps, on
    every database), then position; a heading has the first position of its temps."""
    return (models.F("temps").asc(nulls_last=True), "position", "pk")


class AgendaItemQuerySet(models.QuerySet):
    def retained(self):
        return self.filter(status=ItemStatus.ACCEPTED)

    def shareable(self):
        """What may leave the instance (GPO: only non-confidential items)."""
        return self.filter(confidential=False)


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveIntegerField("ordre", default=0)
    temps = models.PositiveSmallIntegerField("temps", choices=Temps.choices, null=True, blank=True)
    heading = models.BooleanField(
        "titre d'un temps",
        default=False,
        help_text="Le point de la trame qui ouvre son temps : il reste en tête de son temps.",
    )
    title = models.CharField("intitulé", max_length=255)
    description = models.TextField("précisions", blank=True)
    duration_minutes = models.PositiveIntegerField("durée (minutes)", null=True, blank=True)
    presenter = models.CharField("présenté par", max_length=255, blank=True)
    enjeu = models.ForeignKey(
        "contract.Enjeu",
        verbose_name="enjeu lié",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.ForeignKey(
        "contract.ActionLead",
        verbose_name="piste ou action du contrat liée",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agenda_items",
    )
    document = models.ForeignKey(
        "library.Document",
        verbose_name="document de la bibliothèque lié",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agenda_items",
    )
    document_url = models.URLField("document lié (adresse)", blank=True)
    status = models.CharField(
        "statut", max_length=20, choices=ItemStatus.choices, default=ItemStatus.ACCEPTED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="proposé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_by_organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name="proposé par (organisation)",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confidential = models.BooleanField(
        "confidentiel",
        default=False,
        help_text="Un point confidentiel ne remonte pas aux acteurs des QPV.",
    )
    source_item = models.ForeignKey(
        "self",
        verbose_name="remontée de",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="raised_as",
    )
    source_meeting = models.ForeignKey(
        Meeting,
        verbose_name="réunion d'origine",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="raised_items",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AgendaItemQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = "point de l'ordre du jour"
        verbose_name_plural = "points de l'ordre du jour"
        ordering = [models.F("temps").asc(nulls_last=True), "position", "pk"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self._touch_meeting()

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        self._touch_meeting()
        return result

    def _touch_meeting(self):
        # the agenda is in the calendar event's description: its LAST-MODIFIED moves,
        # and the feeds' fingerprint with it
        Meeting.all_objects.filter(pk=self.meeting_id).update(updated_at=timezone.now())

    def scope_territory(self):
        return self.meeting.scope_territory()


class AttendanceStatus(models.TextChoices):
    INVITED = "invite", "Invité ou invitée"
    PRESENT = "present", "Présent ou présente"
    EXCUSED = "excuse", "Excusé ou excusée"
    REPRESENTED = "represente", "Représenté ou représentée"
    ABSENT = "absent", "Absent ou absente"


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendances")
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name="organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attendances",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="personne",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meeting_attendances",
    )
    name = models.CharField("nom", max_length=255, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    status = models.CharField(
        "présence",
        max_length=20,
        choices=AttendanceStatus.choices,
        default=AttendanceStatus.INVITED,
    )
    represented_by = models.CharField("représenté par", max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "présence"
        ordering = ["organisation__name", "name", "email", "pk"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self):
        who = self.name or (str(self.user) if self.user_id else "") or self.email
        if self.organisation_id:
            return f"{who} ({self.organisation})" if who else str(self.organisation)
        return who or "—"

    def clean(self):
        if not (self.organisation_id or self.user_id or self.name or self.email):
            raise ValidationError(
                "Indiquez au moins une organisation, une personne ou une adresse."
            )
        if self.status == AttendanceStatus.REPRESENTED and not self.represented_by.strip():
            raise ValidationError({"represented_by": "Indiquez qui représente cette personne."})


class Minutes(models.Model):
    """Compte-rendu: written in Markdown, stored also as sanitised HTML."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="minutes")
    body = models.TextField("compte-rendu (Markdown)", blank=True)
    body_html = models.TextField(editable=False, blank=True)
    decisions = models.TextField("décisions", blank=True)
    decisions_html = models.TextField(editable=False, blank=True)
    published_at = models.DateTimeField("publié le", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "compte-rendu"

    def __str__(self):
        return f"Compte-rendu — {self.meeting.title}"

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        self.decisions_html = render_markdown(self.decisions)
        super().save(*args, **kwargs)

    @property
    def is_published(self):
        return self.published_at is not None


class NextStepStatus(models.TextChoices):
    TODO = "a_faire", "À faire"
    ONGOING = "en_cours", "En cours"
    DONE = "fait", "Fait"
    DROPPED = "abandonne", "Abandonné"


OPEN_STATUSES = [NextStepStatus.TODO, NextStepStatus.ONGOING]


class NextStepQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def late(self, today: date | None = None):
        return self.open().filter(due_date__lt=today or timezone.localdate())


class NextStep(models.Model):
    """Une suite à donner: what, who, by when; open ones are carried into the next
    meetings of the same instance until done."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="next_steps")
    what = models.TextField("quoi")
    who = models.CharField("qui", max_length=255, blank=True)
    who_organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name="organisation en charge",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_steps",
    )
    due_date = models.DateField("échéance", null=True, blank=True)
    enjeu = models.ForeignKey(
        "contract.Enjeu",
        verbose_name="enjeu lié",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.ForeignKey(
        "contract.ActionLead",
        verbose_name="piste ou action du contrat liée",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="next_steps",
    )
    action_label = models.CharField("autre action liée", max_length=255, blank=True)
    status = models.CharField(
        "statut", max_length=20, choices=NextStepStatus.choices, default=NextStepStatus.TODO
    )
    closed_at = models.DateTimeField("clos le", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NextStepQuerySet.as_manager()
    history = HistoricalRecords()

    scope_territory_path = "meeting__series__commune"

    class Meta:
        verbose_name = "suite à donner"
        verbose_name_plural = "suites à donner"
        ordering = ["due_date", "pk"]

    def __str__(self):
        return self.what

    def scope_territory(self):
        return self.meeting.scope_territory()

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    def is_late(self, today: date | None = None):
        return (
            self.is_open
            and self.due_date is not None
            and self.due_date < (today or timezone.localdate())
        )


def _new_token():
    return secrets.token_urlsafe(32)


class CalendarFeedTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class CalendarFeedToken(models.Model):
    """The secret in a private calendar address; revoking it stops the feed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_tokens"
    )
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = CalendarFeedTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "adresse d'abonnement privée"
        verbose_name_plural = "adresses d'abonnement privées"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Abonnement de {self.user}"

    @property
    def is_active(self):
        return self.revoked_at is None


class Mailing(models.Model):
    """A trace of each invitation, update, reminder or minutes sent (when, to whom)."""

    class Kind(models.TextChoices):
        INVITATION = "invitation", "Invitation"
        UPDATE = "mise_a_jour", "Mise à jour"
        CANCELLATION = "annulation", "Annulation"
        REMINDER = "rappel", "Rappel"
        MINUTES = "compte_rendu", "Compte-rendu"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="mailings")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    recipients = models.JSONField(default=list)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "envoi"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.meeting}"


class Unsubscription(models.Model):
    """An address that asked, through the signed link of a mailing, to receive nothing
    more from one instance; every later mailing of the instance leaves it out."""

    series = models.ForeignKey(
        MeetingSeries, on_delete=models.CASCADE, related_name="unsubscriptions"
    )
    email = models.EmailField("adresse électronique")
    created_at = models.DateTimeField("désinscrite le", auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "désinscription d'une instance"
        verbose_name_plural = "désinscriptions d'instances"
        constraints = [
            models.UniqueConstraint(fields=["series", "email"], name="unsubscription_once")
        ]

    def __str__(self):
        return f"{self.email} — {self.series}"
