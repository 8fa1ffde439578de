"""Building blocks shared by every app: soft deletion and seeded rows."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from .history import save_with_history


class LiveQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)

    def deleted(self):
        return self.filter(deleted_at__isnull=False)


class LiveManager(models.Manager.from_queryset(LiveQuerySet)):
    """Default manager: hides soft-deleted rows."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class SoftDeletable(models.Model):
    """A row is never removed by the application: it goes to the trash and can come back."""

    deleted_at = models.DateTimeField("supprimé le", null=True, blank=True, editable=False)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="supprimé par",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = LiveManager()
    all_objects = models.Manager.from_queryset(LiveQuerySet)()

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def soft_delete(self, user=None, reason: str = "Mis à la corbeille"):
        """To the trash, with who and why in the history (for the models that keep one)."""
        self.deleted_at = timezone.now()
        self.deleted_by = user
        save_with_history(self, user, reason, update_fields=["deleted_at", "deleted_by"])

    def restore(self, user=None, reason: str = "Restauré"):
        self.deleted_at = None
        self.deleted_by = None
        save_with_history(self, user, reason, update_fields=["deleted_at", "deleted_by"])


class Seeded(models.Model):
    """A row that comes from a reference file of the repository.

    `key` is the stable identifier given in the file; `seed_values` keeps the values as
    last loaded, so that a reload can tell a change in the file from an edit made in
    the application (which is never overwritten silently).
    """

    key = models.SlugField("clé", max_length=120, null=True, blank=True, unique=True)
    seed_values = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        abstract = True


class StatusChange(models.Model):
    """One dated status transition of an object that has a `status` (an action, an idea):
    when, why, by whom. A concrete model adds the foreign key to its object and
    `from_status` / `to_status` with its own choices, and its `Meta` inherits this one's;
    `core.status.move` is the one way to write it."""

    on = models.DateField("date")
    reason = models.TextField("motif", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("enregistré le", auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["on", "pk"]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class ScheduledRun(models.Model):
    """One run of a periodic job for one period (a day, an ISO week): the unique pair
    makes each job run once per period, however many schedulers are started."""

    job = models.CharField("tâche", max_length=100)
    period = models.CharField("période", max_length=20)
    started_at = models.DateTimeField("commencée le", auto_now_add=True)
    finished_at = models.DateTimeField("terminée le", null=True, blank=True)
    output = models.TextField("compte rendu", blank=True)
    failed = models.BooleanField("en échec", default=False)

    class Meta:
        verbose_name = "exécution planifiée"
        verbose_name_plural = "exécutions planifiées"
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="core_scheduled_run_once")
        ]

    def __str__(self):
        return f"{self.job} ({self.period})"


class Heartbeat(models.Model):
    """The last sign of life of a background process (« travailleur », « planificateur »),
    read by the health page (`/sante/`)."""

    name = models.CharField("processus", max_length=50, unique=True)
    beat_at = models.DateTimeField("dernier signe de vie")

    class Meta:
        verbose_name = "signe de vie"
        verbose_name_plural = "signes de vie"

    def __str__(self):
        return f"{self.name} ({self.beat_at:%Y-%m-%d %H:%M:%S})"

    @classmethod
    def beat(cls, name: str) -> None:
        cls.objects.update_or_create(name=name, defaults={"beat_at": timezone.now()})

    @classmethod
    def age(cls, name: str):
        """Seconds since the last beat of `name`, or None if it never beat."""
        beat_at = cls.objects.filter(name=name).values_list("beat_at", flat=True).first()
        return None if beat_at is None else (timezone.now() - beat_at).total_seconds()


class TaskReceipt(models.Model):
    """An effect of a background task already done (an email handed to the SMTP server),
    keyed by the task result's id: a task run again after its worker was killed does
    not do it twice."""

    key = models.CharField("clé", max_length=100, unique=True)
    done_at = models.DateTimeField("fait le", auto_now_add=True)

    class Meta:
        verbose_name = "effet de tâche accompli"
        verbose_name_plural = "effets de tâches accomplis"

    def __str__(self):
        return self.key
