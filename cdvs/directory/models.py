from datetime import timedelta

from data_inclusion.schema.v1 import Thematique
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from cdvs.accounts.models import Membership
from cdvs.core import french
from cdvs.core.geocoding import in_france, outside_france_message
from cdvs.core.imports import ImportRecord
from cdvs.core.models import LiveManager, LiveQuerySet, Seeded, SoftDeletable
from cdvs.territories.locate import locate
from cdvs.territories.models import Kind, Territory

from . import vocabulary as voc
from .validators import normalise_phone, validate_phone, validate_rna, validate_siret

DAYS_PER_MONTH = 30.44
FREQUENCIES = [(3, "Tous les 3 mois"), (6, "Tous les 6 mois"), (12, "Tous les ans")]


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


def _tags(prefix: str, codes) -> str:
    return "".join(f"|{prefix}:{c}" for c in codes or [])


def _prefix_range(term: str) -> dict:
    """Words starting with `term`, as an index range (words are [a-z0-9]: the next
    string after every word with that prefix is the prefix with its last character
    incremented). A range works on an ordinary index on every database, where LIKE
    'term%' would not on SQLite."""
    return {"word__gte": term, "word__lt": term[:-1] + chr(ord(term[-1]) + 1)}


class OrganisationQuerySet(LiveQuerySet):
    def search(self, query: str):
        """Every word of `query` starts a word of the fiche (accents, case and plurals
        folded on both sides: "ecole" finds "École", "jeunes" finds "jeune"). Answered
        from the word index (`SearchWord`), not by scanning the fiches."""
        qs = self
        for term in voc.search_terms(query):
            words = SearchWord.objects.filter(**_prefix_range(term))
            qs = qs.filter(pk__in=words.values("organisation_id"))
        return qs

    def _tagged(self, tag):
        return self.filter(pk__in=SearchWord.objects.filter(word=tag).values("organisation_id"))

    def with_thematique(self, code):
        return self._tagged(f"|t:{code}")

    def with_public(self, code):
        return self._tagged(f"|p:{code}")

    def for_age(self, age: int):
        return self.filter(
            Q(age_min__isnull=True) | Q(age_min__lte=age),
            Q(age_max__isnull=True) | Q(age_max__gte=age),
        )

    def serving(self, territory):
        """Organisations serving `territory` (directly, or a wider territory holding it)."""
        ids = {territory.pk} | Territory.objects.ancestors({territory.pk})
        return self.filter(Q(territories__in=ids) | Q(territory__in=ids)).distinct()

    def stale(self, now=None):
        """Fiches not confirmed within their update frequency (or never confirmed)."""
        now = now or timezone.now()
        due = Q(last_confirmed_at__isnull=True)
        for months, _ in FREQUENCIES:
            due |= Q(
                update_frequency_months=months,
                last_confirmed_at__lt=now - timedelta(days=months * DAYS_PER_MONTH),
            )
        return self.filter(due)

    def orphaned(self):
        """Fiches that nobody can keep up to date: no member account."""
        return self.filter(~Exists(Membership.objects.filter(organisation=OuterRef("pk"))))


class OrganisationManager(LiveManager.from_queryset(OrganisationQuerySet)):
    pass


class Organisation(Seeded, SoftDeletable):
    """A partner of the contract and its fiche compétences et coordonnées."""

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
    address = models.CharField("adresse", max_length=255, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("commune", max_length=120, blank=True)
    lat = models.FloatField(
        "latitude",
        null=True,
        blank=True,
        validators=[MinValueValidator(41.0), MaxValueValidator(51.5)],
    )
    lon = models.FloatField(
        "longitude",
        null=True,
        blank=True,
        validators=[MinValueValidator(-5.5), MaxValueValidator(10.0)],
    )
    website = models.URLField("site internet", blank=True)
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[validate_siret])
    rna = models.CharField("numéro RNA", max_length=10, blank=True, validators=[validate_rna])
    territories = models.ManyToManyField(
        "territories.Territory",
        verbose_name="territoires d'intervention",
        blank=True,
        related_name="served_by",
    )
    enjeux = models.ManyToManyField(
        "contract.Enjeu", verbose_name="enjeux du contrat", blank=True, related_name="organisations"
    )
    publics = models.JSONField("publics", default=list, blank=True)
    age_min = models.PositiveSmallIntegerField(
        "âge minimum", null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    age_max = models.PositiveSmallIntegerField(
        "âge maximum", null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    thematiques = models.JSONField("thématiques", default=list, blank=True)
    languages = models.JSONField("langues parlées", default=list, blank=True)
    accessibility = models.JSONField("accessibilité", default=list, blank=True)
    accessibility_note = models.CharField(
        "précisions sur l'accessibilité", max_length=255, blank=True
    )
    update_frequency_months = models.PositiveSmallIntegerField(
        "fréquence de mise à jour", choices=FREQUENCIES, default=6
    )
    last_confirmed_at = models.DateTimeField("confirmée à jour le", null=True, blank=True)
    # maintained on save: normalised text for the search, codes for the filters
    search_text = models.TextField(editable=False, default="")
    tags = models.TextField(editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["search_text", "tags"])

    objects = OrganisationManager()

    # where `cdvs.accounts.permissions` finds the organisation's place, for a queryset
    scope_territory_path = "territory"
    scope_organisation_path = "pk"

    class Meta:
        verbose_name = "organisation"
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name"], name="directory_org_name_idx"),
            models.Index(fields=["lat", "lon"], name="directory_org_latlon_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("directory:detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            errors["age_max"] = "L'âge maximum doit être supérieur ou égal à l'âge minimum."
        if (self.lat is None) != (self.lon is None):
            errors["lon"] = "Indiquez la latitude et la longitude, ou aucune des deux."
        for field, labels, what in (
            ("publics", voc.PUBLIC_LABELS, "public"),
            ("thematiques", voc.THEMATIQUE_LABELS, "thématique"),
            ("languages", voc.LANGUAGE_LABELS, "langue"),
            ("accessibility", voc.ACCESSIBILITY_LABELS, "accessibilité"),
        ):
            unknown = [c for c in getattr(self, field) or [] if c not in labels]
            if unknown:
                errors[field] = f"Valeur inconnue ({what}) : {', '.join(map(str, unknown))}."
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.siret = self.siret.replace(" ", "")
        self.rna = self.rna.strip().upper()
        self.refresh_index(save=False)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | {"search_text", "tags"}
        super().save(*args, **kwargs)
        self.sync_words()

    def index_words(self) -> set[str]:
        """The words of the search index: the words of `search_text`, and the codes of
        the filters (thématiques, publics, languages) as `|t:code`, `|p:code`, `|l:code`."""
        words = {w[:40] for w in self.search_text.split()}
        words |= {t[:40] for t in self.tags.split("|") if t}
        return {w if ":" not in w else "|" + w for w in words}

    def sync_words(self):
        SearchWord.objects.filter(organisation_id=self.pk).delete()
        SearchWord.objects.bulk_create(
            [SearchWord(organisation_id=self.pk, word=w) for w in sorted(self.index_words())]
        )

    def refresh_index(self, save=True, enjeu_titles=None, service_texts=None):
        """Recompute `search_text` and `tags` (after the enjeux or the services changed:
        save=True). The names and descriptions of the live services are searched too."""
        if enjeu_titles is None:
            enjeu_titles = list(self.enjeux.values_list("number", "title")) if self.pk else []
        if service_texts is None:
            service_texts = (
                list(self.services.values_list("name", "description")) if self.pk else []
            )
        parts = [
            self.name,
            self.get_kind_display(),
            self.description,
            self.address,
            self.city,
            *(voc.THEMATIQUE_LABELS.get(c, "") for c in self.thematiques or []),
            *(voc.PUBLIC_LABELS.get(c, "") for c in self.publics or []),
            *(f"enjeu {n} {t}" for n, t in enjeu_titles),
            *(f"{n} {d}" for n, d in service_texts),
        ]
        self.search_text = voc.normalise(" ".join(p for p in parts if p))
        self.tags = (
            _tags("t", self.thematiques) + _tags("p", self.publics) + _tags("l", self.languages)
        ) + "|"
        if save:
            type(self).all_objects.filter(pk=self.pk).update(
                search_text=self.search_text, tags=self.tags
            )
            self.sync_words()

    @property
    def thematique_labels(self):
        return [voc.THEMATIQUE_LABELS.get(c, c) for c in self.thematiques or []]

    @property
    def public_labels(self):
        return [voc.PUBLIC_LABELS.get(c, c) for c in self.publics or []]

    @property
    def language_labels(self):
        return [voc.LANGUAGE_LABELS.get(c, c) for c in self.languages or []]

    @property
    def accessibility_labels(self):
        return [voc.ACCESSIBILITY_LABELS.get(c, c) for c in self.accessibility or []]

    @property
    def age_range(self) -> str:
        if self.age_min is None and self.age_max is None:
            return "Tous âges"
        if self.age_max is None:
            return f"À partir de {self.age_min} ans"
        if self.age_min is None or self.age_min == 0:
            return f"Jusqu'à {self.age_max} ans"
        return f"De {self.age_min} à {self.age_max} ans"

    @property
    def confirmed_at(self):
        return self.last_confirmed_at or self.updated_at

    def months_since_update(self, now=None) -> int:
        now = now or timezone.now()
        if self.confirmed_at is None:
            return 0
        return max(0, int((now - self.confirmed_at).days // DAYS_PER_MONTH))

    def is_stale(self, now=None) -> bool:
        now = now or timezone.now()
        if self.last_confirmed_at is None:
            return True
        limit = timedelta(days=self.update_frequency_months * DAYS_PER_MONTH)
        return now - self.last_confirmed_at > limit

    def freshness_label(self, now=None) -> str:
        if self.last_confirmed_at is None:
            return "Jamais confirmée à jour"
        months = self.months_since_update(now)
        if months == 0:
            return "Mise à jour il y a moins d'un mois"
        return f"Mise à jour il y a {months} mois"

    def scope_territory(self):
        """The territory whose coordinators are responsible for this organisation."""
        return self.territory

    def scope_organisation(self):
        return self


class SearchWord(models.Model):
    """The word index of the directory's search: one row per (organisation, word),
    maintained on save; a prefix search is an index range on `word`."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    word = models.CharField(max_length=42)

    class Meta:
        indexes = [models.Index(fields=["word", "organisation"], name="directory_word_idx")]

    def __str__(self):
        return self.word


class Classification(models.TextChoices):
    QPV = "qpv", "En quartier prioritaire (QPV)"
    PAC = "pac", "En périmètre d'attention complémentaire (PAC)"
    OUTSIDE = "hors", "Hors périmètre"
    # located, but no QPV / PAC perimeter is loaded: never say « hors périmètre » then
    NO_PERIMETERS = "nc", "Périmètres non chargés"
    UNKNOWN = "", "Non localisé"


def outside_classification() -> str:
    """« Hors périmètre » only once QPV or PAC perimeters are loaded."""
    loaded = Territory.objects.with_perimeter().filter(kind__in=[Kind.QPV, Kind.PAC]).exists()
    return Classification.OUTSIDE if loaded else Classification.NO_PERIMETERS


class Place(SoftDeletable):
    """Where an organisation receives people; classified QPV / PAC / hors périmètre
    with the territories' `locate()` when its coordinates are saved."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="places")
    name = models.CharField("nom du lieu", max_length=255)
    address = models.CharField("adresse", max_length=255, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("commune", max_length=120, blank=True)
    # anywhere in France, overseas départements included (checked in clean())
    lat = models.FloatField("latitude", null=True, blank=True)
    lon = models.FloatField("longitude", null=True, blank=True)
    classification = models.CharField(
        "localisation", max_length=4, choices=Classification.choices, blank=True, editable=False
    )
    # what the Base Adresse Nationale answered when the address was geocoded
    citycode = models.CharField("code INSEE de la commune", max_length=5, blank=True)
    geocoding_label = models.CharField("adresse trouvée", max_length=255, blank=True)
    geocoding_score = models.FloatField("score du géocodage", null=True, blank=True)
    needs_review = models.BooleanField(
        "à vérifier",
        default=False,
        help_text="Géocodage peu sûr (score trop bas) : une personne doit vérifier le point.",
    )
    open_on_public_holidays = models.BooleanField(
        "ouvert les jours fériés",
        default=False,
        help_text="Sinon, le lieu est considéré comme fermé les jours fériés en France.",
    )
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="QPV ou PAC",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="directory_places",
    )

    history = HistoricalRecords()

    scope_territory_path = "organisation__territory"
    scope_organisation_path = "organisation"

    class Meta:
        verbose_name = "lieu d'accueil"
        verbose_name_plural = "lieux d'accueil"
        ordering = ["organisation", "name"]
        # bounding-box searches (map, « qui peut aider ? »); « près d'un QPV » reads only these
        indexes = [
            models.Index(fields=["lat", "lon", "organisation"], name="directory_place_near_idx")
        ]

    def __str__(self):
        return f"{self.name} ({self.organisation})"

    def scope_territory(self):
        return self.organisation.territory

    def scope_organisation(self):
        return self.organisation

    def clean(self):
        if (self.lat is None) != (self.lon is None):
            raise ValidationError(
                {"lon": "Indiquez la latitude et la longitude, ou aucune des deux."}
            )
        if self.lat is not None and not in_france(self.lat, self.lon):
            raise ValidationError({"lat": outside_france_message(self.lat, self.lon)})

    def classify(self):
        """Set `classification` and `territory` from the coordinates (QPV first)."""
        if self.lat is None or self.lon is None:
            self.classification, self.territory = Classification.UNKNOWN, None
            return

        location = locate([(self.lat, self.lon)])[0]
        ref = (location.qpv or location.pac or [None])[0]
        if ref is None:
            self.classification, self.territory = outside_classification(), None
        else:
            self.classification = Classification.QPV if location.qpv else Classification.PAC
            self.territory = Territory.objects.filter(pk=ref.id).first()

    def save(self, *args, **kwargs):
        self.classify()
        super().save(*args, **kwargs)


class Contact(SoftDeletable):
    """A person to reach in an organisation: personal data, never public."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField("nom", max_length=200)
    role = models.CharField("fonction", max_length=200, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True, validators=[validate_phone])
    consent_at = models.DateTimeField(
        "consentement recueilli le",
        help_text="Date à laquelle la personne a accepté d'apparaître dans l'annuaire des partenaires.",
    )
    invited_to_instances = models.BooleanField(
        "accepte d'être invitée aux instances du contrat de ville",
        default=False,
        help_text="Ne cochez que si la personne l'a accepté : elle recevra alors les invitations "
        "des instances auxquelles son organisation participe, sans compte dans l'outil, et "
        "pourra s'en désinscrire depuis chaque courriel.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    scope_territory_path = "organisation__territory"
    scope_organisation_path = "organisation"

    class Meta:
        verbose_name = "contact"
        ordering = ["organisation", "name"]

    def __str__(self):
        return f"{self.name} ({self.organisation})"

    def scope_territory(self):
        return self.organisation.territory

    def scope_organisation(self):
        return self.organisation

    def save(self, *args, **kwargs):
        if self.phone:
            self.phone = normalise_phone(self.phone) or self.phone
        super().save(*args, **kwargs)


class Service(Seeded, SoftDeletable):
    """A service an organisation offers (data·inclusion's « service »): what, for whom,
    where. Thématiques hold data·inclusion codes (categories or sub-thématiques) and
    our own additions."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="services"
    )
    name = models.CharField("nom du service", max_length=255)
    description = models.TextField("description", blank=True)
    thematiques = models.JSONField("thématiques", default=list, blank=True)
    publics = models.JSONField("publics", default=list, blank=True)
    place = models.ForeignKey(
        Place,
        verbose_name="lieu",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="services",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    scope_territory_path = "organisation__territory"
    scope_organisation_path = "organisation"

    class Meta:
        verbose_name = "service"
        ordering = ["organisation", "name"]

    def __str__(self):
        return f"{self.name} ({self.organisation})"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # the fiche is found by what its services say (also when one goes to the trash)
        self.organisation.refresh_index()

    @property
    def thematique_labels(self) -> list[str]:
        """Labels in French: data·inclusion's sub-thématiques, categories, our own."""
        labels = {t.value: t.label for t in Thematique}
        return [labels.get(c) or voc.THEMATIQUE_LABELS.get(c, c) for c in self.thematiques or []]

    @property
    def public_labels(self) -> list[str]:
        return [voc.PUBLIC_LABELS.get(c, c) for c in self.publics or []]

    def scope_territory(self):
        return self.organisation.territory

    def scope_organisation(self):
        return self.organisation


class ImportKind(models.TextChoices):
    TABLE = "tableur", "Tableur (CSV, ODS ou XLSX)"
    DATA_INCLUSION = "data_inclusion", "Fichier data·inclusion (JSON, schéma v1)"


class DirectoryImport(ImportRecord):
    """An import of organisations, their places, contacts and services (provenance)."""

    kind = models.CharField("type de fichier", max_length=20, choices=ImportKind.choices)
    territory = models.ForeignKey(
        "territories.Territory",
        verbose_name="territoire de rattachement des nouvelles fiches",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    scope_territory_path = "territory"

    class Meta(ImportRecord.Meta):
        verbose_name = "import de l'annuaire"
        verbose_name_plural = "imports de l'annuaire"

    def get_absolute_url(self):
        return reverse("directory_coordination:import_status", args=[self.pk])

    def scope_territory(self):
        return self.territory

    @property
    def change_reason(self) -> str:
        return f"Import du fichier « {self.file_name} » (import n° {self.pk})"


# ------------------------------------------------------------------ opening hours

WEEKDAYS = list(enumerate(french.WEEKDAYS))
WEEKDAY_NAMES = dict(WEEKDAYS)
OSM_DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
WEEKS_OF_MONTH = [(1, "1re"), (2, "2e"), (3, "3e"), (4, "4e"), (5, "5e")]


def _ordinal(n: int) -> str:
    return "1er" if n == 1 else f"{n}e"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


def validity_label(valid_from, valid_until) -> str:
    if valid_from and valid_until:
        return f"du {french.date_text(valid_from)} au {french.date_text(valid_until)}"
    if valid_from:
        return f"à partir du {french.date_text(valid_from)}"
    if valid_until:
        return f"jusqu'au {french.date_text(valid_until)}"
    return ""


def slot_label(slot) -> str:
    day = WEEKDAY_NAMES[slot.weekday]
    if slot.weeks:
        which = _join([f"le {_ordinal(n)}" for n in slot.week_numbers])
        text = f"{which} {day} du mois"
    else:
        text = f"le {day}"
    text += f" de {french.hour(slot.start)} à {french.hour(slot.end)}"
    if validity := validity_label(slot.valid_from, slot.valid_until):
        text += f", {validity}"
    if slot.note:
        text += f" ({slot.note})"
    return text


def exception_label(exception) -> str:
    weekday = WEEKDAY_NAMES[exception.date.weekday()]
    text = f"le {weekday} {french.date_text(exception.date)}"
    if exception.closed:
        text = f"Fermé {text}"
    else:
        text = f"Ouverture exceptionnelle {text}"
        if exception.start and exception.end:
            text += f" de {french.hour(exception.start)} à {french.hour(exception.end)}"
    if exception.note:
        text += f" ({exception.note})"
    return text


class OpeningSlot(SoftDeletable):
    """A permanence or an opening of a place: one weekday, from–to hours, every week
    or only some weeks of the month (« le 1er et le 3e mardi »), between optional
    dates. `weekday` is a plain indexed column: « ouvert le mardi » is one index range."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="slots")
    # the place's organisation, copied on save: « ouvert le » is one subquery on slots
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", null=True, editable=False
    )
    weekday = models.PositiveSmallIntegerField("jour", choices=WEEKDAYS)
    start = models.TimeField("de")
    end = models.TimeField("à")
    # "" = every week; else the weeks of the month, digits 1–5 ("13": 1re et 3e)
    weeks = models.CharField("semaines du mois", max_length=5, blank=True, default="")
    valid_from = models.DateField("à partir du", null=True, blank=True)
    valid_until = models.DateField("jusqu'au", null=True, blank=True)
    note = models.CharField("précision", max_length=120, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "créneau d'ouverture"
        verbose_name_plural = "créneaux d'ouverture"
        ordering = ["place", "weekday", "start"]
        indexes = [
            models.Index(fields=["weekday", "place"], name="directory_slot_day_idx"),
            # covering « ouvert le » (no table access): day, organisation, then the
            # columns its conditions read
            models.Index(
                fields=[
                    "weekday",
                    "organisation",
                    "deleted_at",
                    "valid_until",
                    "valid_from",
                    "weeks",
                    "place",
                ],
                name="directory_slot_open_idx",
            ),  # fmt: skip
        ]

    def __str__(self):
        return self.label

    def clean(self):
        errors = {}
        if self.start and self.end and self.start >= self.end:
            errors["end"] = "L'heure de fin doit être après l'heure de début."
        if self.valid_from and self.valid_until and self.valid_from > self.valid_until:
            errors["valid_until"] = "La date de fin doit être après la date de début."
        if self.weeks and (not self.weeks.isdigit() or any(c not in "12345" for c in self.weeks)):
            errors["weeks"] = "Semaines du mois : des chiffres de 1 à 5."
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.organisation_id = self.place.organisation_id
        super().save(*args, **kwargs)

    @property
    def week_numbers(self) -> list[int]:
        return sorted({int(c) for c in self.weeks})

    @property
    def label(self) -> str:
        return slot_label(self)

    def scope_territory(self):
        return self.place.organisation.territory

    def scope_organisation(self):
        return self.place.organisation


class OpeningException(SoftDeletable):
    """A date when a place is closed though a slot says open (holidays, leave), or
    open though no slot says so (an extra permanence)."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="exceptions")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", null=True, editable=False
    )
    date = models.DateField("date")
    closed = models.BooleanField(
        "fermé ce jour-là", default=True, help_text="Décochez pour une ouverture exceptionnelle."
    )
    start = models.TimeField("de", null=True, blank=True)
    end = models.TimeField("à", null=True, blank=True)
    note = models.CharField("motif", max_length=120, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "exception aux horaires"
        verbose_name_plural = "exceptions aux horaires"
        ordering = ["place", "date"]
        indexes = [models.Index(fields=["date", "place"], name="directory_exception_date_idx")]

    def __str__(self):
        return self.label

    def clean(self):
        if not self.closed and not (self.start and self.end):
            raise ValidationError(
                {"start": "Pour une ouverture exceptionnelle, indiquez les heures."}
            )
        if self.start and self.end and self.start >= self.end:
            raise ValidationError({"end": "L'heure de fin doit être après l'heure de début."})

    def save(self, *args, **kwargs):
        self.organisation_id = self.place.organisation_id
        super().save(*args, **kwargs)

    @property
    def label(self) -> str:
        return exception_label(self)

    def scope_territory(self):
        return self.place.organisation.territory

    def scope_organisation(self):
        return self.place.organisation


class FreshnessReminder(models.Model):
    """A reminder emailed to an organisation's members because its fiche was due for
    update: one per due period (`period` = the confirmation the fiche was due after,
    « jamais » if never confirmed), so that a daily run never sends it twice."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="freshness_reminders"
    )
    period = models.CharField("période", max_length=40)
    sent_at = models.DateTimeField("envoyé le", auto_now_add=True)
    recipients = models.PositiveSmallIntegerField("destinataires", default=0)

    class Meta:
        verbose_name = "rappel de mise à jour"
        verbose_name_plural = "rappels de mise à jour"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "period"], name="directory_one_reminder_per_period"
            )
        ]

    def __str__(self):
        return f"{self.organisation} ({self.period})"

    @staticmethod
    def period_of(organisation) -> str:
        moment = organisation.last_confirmed_at
        return moment.isoformat() if moment else "jamais"
