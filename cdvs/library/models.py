"""Documents (files with versions, or the published minutes of a meeting) and
actualités (short posts), with the weekly digest of the actualités.

Who sees an item follows its visibility (public / partenaires / coordination, decided
in `cdvs.accounts.permissions`); an actualité waiting for moderation is seen only by
its author and the coordinators who may moderate it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cdvs.accounts.permissions import Visibility, can, filter_allowed, readable_condition
from cdvs.accounts.visibility import Visible, VisibleQuerySet, visibility_field
from cdvs.core.markup import render_markdown
from cdvs.core.models import LiveManager, LiveQuerySet, SoftDeletable


class FileKind(models.TextChoices):
    PDF = "pdf", "PDF"
    TEXT = "texte", "Texte (ODT, DOCX)"
    SPREADSHEET = "tableur", "Tableur (ODS, XLSX)"
    PRESENTATION = "presentation", "Présentation (ODP, PPTX)"
    IMAGE = "image", "Image"
    MINUTES = "compte_rendu", "Compte-rendu de réunion"


class LibraryQuerySet(VisibleQuerySet, LiveQuerySet):
    pass


class DocumentManager(LiveManager.from_queryset(LibraryQuerySet)):
    pass


class Document(SoftDeletable, Visible):
    title = models.CharField("titre", max_length=255)
    description = models.TextField("description", blank=True)
    kind = models.CharField("type", max_length=20, choices=FileKind.choices, db_index=True)
    visibility = visibility_field(default=Visibility.PARTNERS)
    enjeux = models.ManyToManyField(
        "contract.Enjeu", verbose_name="enjeux", blank=True, related_name="documents"
    )
    territories = models.ManyToManyField(
        "territories.Territory", verbose_name="territoires", blank=True, related_name="documents"
    )
    series = models.ForeignKey(
        "meetings.MeetingSeries",
        verbose_name="instance",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name="organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
    )
    # the commune (or EPCI) whose coordinators look after the document; None: contract-wide
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="rattaché à",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # published minutes: the document is the meeting's compte-rendu (no file)
    meeting = models.OneToOneField(
        "meetings.Meeting",
        verbose_name="réunion",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="document",
    )
    current_version = models.ForeignKey(
        "DocumentVersion",
        verbose_name="version en cours",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # the searchable text: the current version's extracted text, or the minutes
    text = models.TextField("texte", blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="déposé par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("déposé le", default=timezone.now, db_index=True)
    updated_at = models.DateTimeField("mis à jour le", auto_now=True)

    objects = DocumentManager()
    all_objects = models.Manager.from_queryset(LibraryQuerySet)()
    history = HistoricalRecords(excluded_fields=["text"])

    scope_territory_path = "territory"
    scope_organisation_path = "organisation"

    class Meta:
        verbose_name = "document"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["visibility", "deleted_at", "created_at"])]

    def __str__(self):
        return self.title

    def scope_territory(self):
        return self.territory

    def scope_organisation(self):
        return self.organisation

    def get_absolute_url(self):
        return reverse("library:detail", args=[self.pk])

    @property
    def is_minutes(self):
        return self.meeting_id is not None


def _version_path(instance, filename):
    """A random name: nothing of the uploaded name reaches the storage."""
    token = uuid.uuid4().hex
    return f"library/{token[:2]}/{token}.{instance.extension}"


class Extraction(models.TextChoices):
    PENDING = "en_attente", "En attente"
    DONE = "extrait", "Texte extrait"
    FAILED = "echec", "Échec de l'extraction"
    NONE = "sans_objet", "Sans objet (image)"


class DocumentVersion(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField("version")
    file = models.FileField("fichier", upload_to=_version_path, max_length=255)
    original_name = models.CharField("nom du fichier déposé", max_length=255)
    # checked from the content, never from the name
    content_type = models.CharField("type de contenu", max_length=120)
    extension = models.CharField("extension", max_length=10)
    size = models.PositiveBigIntegerField("taille (octets)")
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    comment = models.CharField("note de version", max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="déposée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("déposée le", default=timezone.now)
    extraction = models.CharField(
        "extraction du texte",
        max_length=20,
        choices=Extraction.choices,
        default=Extraction.PENDING,
    )
    extraction_error = models.CharField("erreur d'extraction", max_length=255, blank=True)
    extracted_at = models.DateTimeField("extrait le", null=True, blank=True)
    text = models.TextField("texte extrait", blank=True, editable=False)

    class Meta:
        verbose_name = "version"
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="one_version_number")
        ]

    def __str__(self):
        return f"{self.document} — version {self.number}"

    @property
    def previewable(self):
        return self.content_type == "application/pdf" or self.content_type.startswith("image/")

    @property
    def is_image(self):
        return self.content_type.startswith("image/")

    def download_name(self):
        """The name offered to the browser: the uploaded name, with the checked extension."""
        stem = self.original_name.rsplit(".", 1)[0] or "document"
        return f"{stem}.{self.extension}"


class NewsStatus(models.TextChoices):
    PUBLISHED = "publiee", "Publiée"
    PENDING = "a_moderer", "En attente de modération"
    REJECTED = "refusee", "Refusée par la coordination"


class NewsQuerySet(LibraryQuerySet):
    def published(self):
        return self.filter(status=NewsStatus.PUBLISHED)

    def public(self):
        return self.published().filter(visibility=Visibility.PUBLIC)

    def readable_by(self, user):
        """Published items the user's role may see, plus their own posts and, for a
        coordinator, the posts they may moderate (whatever their status)."""
        readable = Q(status=NewsStatus.PUBLISHED) & readable_condition(user, News)
        if user.is_authenticated:
            readable |= Q(author=user)
            if can(user, "library.moderate"):
                moderated = filter_allowed(user, "library.moderate", News.objects.all())
                readable |= Q(pk__in=moderated.values("pk"))
        return self.filter(readable)


class NewsManager(LiveManager.from_queryset(NewsQuerySet)):
    pass


class News(SoftDeletable, Visible):
    title = models.CharField("titre", max_length=200)
    body = models.TextField("texte (Markdown)")
    body_html = models.TextField(editable=False, blank=True)
    visibility = visibility_field(default=Visibility.PUBLIC)
    enjeux = models.ManyToManyField(
        "contract.Enjeu", verbose_name="enjeux", blank=True, related_name="news"
    )
    territories = models.ManyToManyField(
        "territories.Territory", verbose_name="territoires", blank=True, related_name="news"
    )
    status = models.CharField(
        "statut", max_length=20, choices=NewsStatus.choices, default=NewsStatus.PUBLISHED
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="auteur ou autrice",
        null=True,
        on_delete=models.SET_NULL,
        related_name="news",
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        verbose_name="organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="news",
    )
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="rattachée à",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("écrite le", default=timezone.now)
    published_at = models.DateTimeField("publiée le", null=True, blank=True, db_index=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="modérée par",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    moderation_note = models.CharField("motif", max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NewsManager()
    all_objects = models.Manager.from_queryset(NewsQuerySet)()
    history = HistoricalRecords(excluded_fields=["body_html"])

    scope_territory_path = "territory"
    scope_organisation_path = "organisation"

    class Meta:
        verbose_name = "actualité"
        ordering = ["-published_at", "-created_at", "-pk"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        if "update_fields" in kwargs and kwargs["update_fields"] is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"body_html"}
        super().save(*args, **kwargs)

    def scope_territory(self):
        return self.territory

    def scope_organisation(self):
        return self.organisation

    def get_absolute_url(self):
        return reverse("news:detail", args=[self.pk])

    @property
    def is_published(self):
        return self.status == NewsStatus.PUBLISHED

    @property
    def sort_date(self):
        return self.published_at or self.created_at


class NewsModeration(models.Model):
    """A commune's choice: are the actualités of its partners moderated before they
    are published? Communes without a row follow the setting `CDVS_NEWS_MODERATION`."""

    commune = models.OneToOneField(
        "territories.Territory",
        verbose_name="commune ou EPCI",
        on_delete=models.CASCADE,
        related_name="news_moderation",
    )
    moderated = models.BooleanField("modérer les actualités avant publication", default=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "modération des actualités"
        verbose_name_plural = "modération des actualités"

    def __str__(self):
        return f"{self.commune} : {'modérées' if self.moderated else 'publiées directement'}"


class DigestSubscription(models.Model):
    """Opt-in to the weekly digest of the actualités (one row per person)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="news_digest"
    )
    active = models.BooleanField("recevoir la lettre hebdomadaire", default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_sent_at = models.DateTimeField("dernier envoi", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "abonnement à la lettre des actualités"
        verbose_name_plural = "abonnements à la lettre des actualités"

    def __str__(self):
        return f"{self.user} ({'abonné' if self.active else 'désabonné'})"


class DigestItem(models.Model):
    """An actualité sent to a person in a digest: never sent to them twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    news = models.ForeignKey(News, on_delete=models.CASCADE, related_name="digest_items")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "actualité envoyée"
        constraints = [
            models.UniqueConstraint(fields=["user", "news"], name="news_sent_once_per_person")
        ]

    def __str__(self):
        return f"{self.news} → {self.user}"


def meeting_series():
    """The instances' model (`meetings.MeetingSeries`), reached through the documents'
    relation: the library sits below the meetings and never imports them."""
    return Document._meta.get_field("series").related_model
