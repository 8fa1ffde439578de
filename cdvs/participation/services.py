"""Every write of the participation app goes through these functions, each in one
transaction; the history (django-simple-history) records who changed what (never a
depositor's email: it is left out of the history)."""

import shapely
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cdvs.accounts.permissions import require
from cdvs.accounts.tasks import queue_email
from cdvs.core import ratelimit
from cdvs.core.history import save_with_history
from cdvs.core.imports import (
    CellError,
    Column,
    ImportFileError,
    RowForm,
    check_rows,
    fold,
    guess_mapping,
    missing_columns,
    read_table,
)
from cdvs.core.jobs import for_each_recipient
from cdvs.core.markup import html_tags
from cdvs.core.status import move as move_status
from cdvs.meetings import ics
from cdvs.territories import geo
from cdvs.territories.locate import locate
from cdvs.territories.models import Territory

from .forms import VoteRowForm
from .models import (
    TRANSITIONS,
    Area,
    AttendanceRequest,
    Campaign,
    Council,
    Idea,
    IdeaStatusChange,
    RequestStatus,
    Status,
    SupportAction,
    allowed_transitions,
)

TOKEN_SALT = "cdvs.participation.idea"  # noqa: S105 (a signing salt, not a secret)
FORGED = (
    "Ce lien n'est pas valable : il a peut-être été mal copié. Reprenez le lien reçu par "
    "courriel, en entier."
)
# deposits of a public form: per address and per IP in an hour
DEPOSITS_PER_EMAIL = 5
DEPOSITS_PER_IP = 20
WINDOW = 3600


# ------------------------------------------------------------------ campaigns


@transaction.atomic
def save_campaign(campaign: Campaign, user) -> Campaign:
    campaign.full_clean()
    require(user, "participation.manage", campaign)
    return save_with_history(campaign, user, None)


@transaction.atomic
def save_support(support: SupportAction, user) -> SupportAction:
    support.full_clean()
    require(user, "participation.manage", support.campaign)
    return save_with_history(support, user, None)


# ------------------------------------------------------------------ ideas: text, place


def check_text(value: str, what: str) -> str:
    """Plain text only: HTML is refused (it would not be kept), Markdown shown as typed."""
    tags = html_tags(value)
    if tags:
        raise ValidationError(
            f"{what} : le code HTML n'est pas accepté ({tags[0][:40]}). Écrivez un texte simple."
        )
    return value.strip()


def _inside(territory: Territory, lat: float, lon: float) -> bool | None:
    outline = territory.outline
    if outline is None:
        return None
    return bool(shapely.intersects_xy(outline, lon, lat))


def check_place(campaign: Campaign, lat: float, lon: float) -> None:
    """A place outside the campaign's territory is refused (its perimeter decides; a
    point on its edge is inside)."""
    territory = campaign.territory
    if _inside(territory, lat, lon) is False:
        raise ValidationError(
            f"Ce lieu est en dehors de {territory.name} : les idées de cette campagne "
            f"concernent {territory.name}."
        )


def classify(idea: Idea) -> list[int]:
    """Set `idea.area` from the QPV and PAC containing its point; their ids."""
    location = locate([(idea.lat, idea.lon)])[0]
    idea.area = Area.QPV if location.qpv else Area.PAC if location.pac else Area.ELSEWHERE
    return [t.id for t in location.qpv + location.pac]


def _save_idea(idea: Idea, user, reason) -> Idea:
    idea.title = check_text(idea.title, "Titre")
    idea.text = check_text(idea.text, "Description")
    if not idea.title or not idea.text:
        raise ValidationError("Une idée a un titre et une description.")
    check_place(idea.campaign, idea.lat, idea.lon)
    ids = classify(idea)
    idea.full_clean()
    save_with_history(idea, user, reason)
    idea.territories.set(ids)
    return idea


@transaction.atomic
def save_idea(idea: Idea, user, reason=None) -> Idea:
    """An idea entered or corrected by the coordination."""
    require(user, "participation.manage", idea.campaign)
    if idea.pk is None and idea.confirmed_at is None:
        idea.confirmed_at = timezone.now()  # entered by the coordination: nothing to confirm
    return _save_idea(idea, user, reason)


# ------------------------------------------------------------------ ideas: public deposit


def idea_token(idea: Idea) -> str:
    return signing.dumps({"idea": idea.pk}, salt=TOKEN_SALT)


def idea_from_token(token: str) -> Idea:
    """The idea a link names, or ValidationError (FORGED) for a forged or broken link."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
        pk = int(data["idea"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationError(FORGED) from None
    idea = Idea.objects.select_related("campaign__territory").filter(pk=pk).first()
    if idea is None:
        raise ValidationError(FORGED)
    return idea


def check_rate(email: str, ip: str) -> None:
    """Anti-spam: a few deposits per address and per IP each hour."""
    ok = ratelimit.hit(f"participation:deposit:email:{email.lower()}", DEPOSITS_PER_EMAIL, WINDOW)
    ok = ratelimit.hit(f"participation:deposit:ip:{ip}", DEPOSITS_PER_IP, WINDOW) and ok
    if not ok:
        raise ValidationError(
            "Trop d'idées ont été déposées depuis cette adresse en peu de temps : "
            "réessayez dans une heure. Rien n'a été enregistré."
        )


@transaction.atomic
def deposit_idea(idea: Idea, *, ip: str) -> Idea:
    """A resident deposits an idea without an account: saved unconfirmed, and a link to
    confirm (then follow and edit) it sent to their address."""
    today = timezone.localdate()
    if not idea.campaign.accepts_ideas(today):
        raise ValidationError("Le dépôt des idées de cette campagne n'est pas ouvert.")
    check_rate(idea.email, ip)
    _save_idea(idea, None, "Idée déposée en ligne")
    send_link(idea)
    return idea


def send_link(idea: Idea) -> None:
    """The depositor's link (confirm, follow, edit, erase their address), by email."""
    if not idea.email:
        return
    path = reverse("participation:my_idea", args=[idea_token(idea)])
    link = settings.SITE_URL.rstrip("/") + path
    queue_email([idea.email], "participation/emails/idea_link", {"idea": idea, "link": link})


@transaction.atomic
def confirm_idea(idea: Idea) -> Idea:
    if idea.confirmed_at is None:
        idea.confirmed_at = timezone.now()
        save_with_history(idea, None, "Dépôt confirmé par courriel", update_fields=["confirmed_at"])
    return idea


@transaction.atomic
def edit_by_depositor(idea: Idea) -> Idea:
    """The depositor corrects their idea from their link, while it is not yet examined."""
    if idea.status != Status.SUBMITTED:
        raise ValidationError(
            "Cette idée a déjà été examinée : elle ne peut plus être modifiée. "
            "Écrivez au service démocratie participative pour toute précision."
        )
    return _save_idea(idea, None, "Idée modifiée par la personne qui l'a déposée")


@transaction.atomic
def erase_email(idea: Idea) -> Idea:
    """The depositor's address is erased (the idea stays, without any personal data)."""
    idea.email = ""
    idea.save(update_fields=["email"])
    return idea


def purge_emails(today=None):
    """Erase the depositors' addresses of the campaigns ended before `today`, one idea
    at a time (a failure is reported, the others are served)."""
    today = today or timezone.localdate()
    ideas = Idea.all_objects.filter(campaign__ends_on__lt=today).exclude(email="")
    return for_each_recipient(list(ideas), erase_email, "participation-purge-adresses")


# ------------------------------------------------------------------ ideas: status


@transaction.atomic
def change_status(idea: Idea, to_status: str, reason: str, user, on=None) -> IdeaStatusChange:
    require(user, "participation.manage", idea.campaign)
    if to_status in allowed_transitions(idea.status):
        if to_status == Status.INADMISSIBLE and not (reason or "").strip():
            raise ValidationError("Indiquez pourquoi l'idée n'est pas recevable.")
        if idea.confirmed_at is None:
            raise ValidationError(
                "Cette idée n'a pas été confirmée par la personne qui l'a déposée."
            )
    return move_status(
        idea, to_status, reason, user, on=on, transitions=TRANSITIONS,
        change_model=IdeaStatusChange, what="Une idée",
    )  # fmt: skip


# ------------------------------------------------------------------ councils


def priority_shares(geometry_text: str) -> dict:
    """{"qpv": share, "pac": share} of a perimeter's area inside the QPV and PAC (floats
    between 0 and 1; areas on the sphere are approximated in Lambert-93)."""
    geom = shapely.from_geojson(geometry_text) if geometry_text else None
    if geom is None or geom.is_empty:
        return {}
    total = geo.area_hectares(geom)
    shares = {}
    for kind in ("qpv", "pac"):
        parts = [
            t.outline for t in Territory.objects.filter(kind=kind).with_perimeter() if t.outline
        ]
        if not parts or not total:
            shares[kind] = 0.0
            continue
        inside = shapely.intersection(geom, shapely.union_all(parts))
        shares[kind] = min(1.0, geo.area_hectares(inside) / total) if not inside.is_empty else 0.0
    return shares


# a council's perimeter is drawn by hand or exported from a SIG: a few hundred vertices;
# beyond this the file is too detailed for the map and the pages that show it
MAX_VERTICES = 2000
# the part of a perimeter outside its commune that is still taken for a drawing's
# imprecision along the commune's edge
OUTSIDE_TOLERANCE = 0.01


def council_perimeter(geojson: str | bytes, commune: Territory) -> str:
    """The perimeter of a council from an uploaded or drawn GeoJSON, as stored: one
    valid polygon (no self-intersection), at most MAX_VERTICES vertices, inside its
    commune (1 % of its area may overlap the commune's edge). ValidationError in
    French otherwise."""
    try:
        geom = geo.perimeter_from_geojson(geojson)
    except geo.GeometryError as exc:
        raise ValidationError(str(exc)) from exc
    vertices = len(shapely.get_coordinates(geom))
    if vertices > MAX_VERTICES:
        raise ValidationError(
            f"Le périmètre a {vertices} sommets : {MAX_VERTICES} au plus. Simplifiez-le dans "
            "votre SIG ou tracez-le sur la carte."
        )
    outline = commune.outline if commune is not None else None
    if outline is not None:
        outside = shapely.difference(geom, outline)
        if not outside.is_empty and outside.area > OUTSIDE_TOLERANCE * geom.area:
            raise ValidationError(
                f"Le périmètre sort de la commune de {commune.name} : un conseil de quartier "
                "est tout entier dans sa commune. Rien n'a été enregistré."
            )
    return geo.to_geojson_text(geom)


@transaction.atomic
def save_council(
    council: Council, user, geojson: str | bytes | None = None, feeds_into=None
) -> Council:
    """A conseil de quartier, its perimeter (an uploaded or drawn GeoJSON, checked by
    `council_perimeter`; an empty text clears it), its instance in the agenda and where
    that instance's remontées go (the meetings' own mechanism: `MeetingSeries.feeds_into`,
    then `meetings.services.raise_item`)."""
    if geojson is not None and not geojson.strip():
        council.geometry = ""
    elif geojson:
        council.geometry = council_perimeter(geojson, council.commune)
    council.full_clean()
    require(user, "participation.manage", council)
    save_with_history(council, user, None)
    series = council.series
    if series is not None and feeds_into is not None and series.feeds_into_id != feeds_into.pk:
        if feeds_into.pk == series.pk:
            raise ValidationError(
                "Une instance ne peut pas faire remonter ses points vers elle-même."
            )
        series.feeds_into = feeds_into
        save_with_history(series, user, f"Remontées du conseil de quartier « {council} »")
    return council


# ------------------------------------------------------------------ réunion des acteurs


def request_attendance(request: AttendanceRequest, ip: str) -> AttendanceRequest:
    check_rate(request.email, ip)
    request.name = check_text(request.name, "Nom")
    request.project = check_text(request.project, "Projet")
    with transaction.atomic():
        request.full_clean()
        return save_with_history(request, None, "Demande reçue en ligne")


@transaction.atomic
def invite(request: AttendanceRequest, user) -> AttendanceRequest:
    """Invite the resident: one email with the meeting's ICS (no account needed)."""
    require(user, "participation.manage", request)
    meeting = request.meeting
    if meeting.day is None:
        raise ValidationError("La date de cette réunion n'est pas encore fixée.")
    queue_email(
        [request.email],
        "participation/emails/invitation",
        {"request": request, "meeting": meeting, "url": ics.meeting_url(meeting)},
        attachments=[("reunion.ics", ics.invitation(meeting, request.email),
                      "text/calendar; method=REQUEST")],
    )  # fmt: skip
    request.status = RequestStatus.INVITED
    return save_with_history(request, user, "Invitation envoyée", update_fields=["status"])


# ------------------------------------------------------------------ vote results


VOTE_COLUMNS = [
    Column("idea", "Idée n°", required=True, aliases=("idee", "numero", "n", "id")),
    Column("votes", "Voix", aliases=("votes", "nombre de voix")),
    Column("laureate", "Lauréate", aliases=("laureat", "resultat", "retenue"),
           read=lambda text: fold(text) if fold(text) in ("oui", "non") else _bad_yes_no(text)),
]  # fmt: skip


def _bad_yes_no(text):
    raise CellError(f"« {text} » : écrivez oui ou non.")


def import_votes(campaign: Campaign, content: bytes, filename: str, user) -> int:
    """The results of the city's voting platform: all or nothing. Every row names an
    idea of this campaign (by its number) soumise au vote; its votes are recorded and
    the lauréates move to « Lauréate ». Returns the number of rows; ValidationError
    with every row's error in French otherwise."""
    require(user, "participation.manage", campaign)
    try:
        table = read_table(content, filename)
    except ImportFileError as exc:
        raise ValidationError(str(exc)) from exc
    mapping = guess_mapping(table.headers, VOTE_COLUMNS)
    missing = missing_columns(VOTE_COLUMNS, mapping)
    if missing:
        raise ValidationError(f"Colonne absente : {', '.join(missing)}.")
    ideas = {i.pk: i for i in Idea.objects.filter(campaign=campaign, confirmed_at__isnull=False)}
    errors, rows, seen = [], [], set()
    for row, row_errors in check_rows(
        table, mapping, [RowForm("vote", VoteRowForm, VOTE_COLUMNS)], duplicates=True
    ):
        if row_errors:
            errors += [str(e) for e in row_errors]
            continue
        data = row.cleaned("vote")
        idea = ideas.get(data["idea"])
        if idea is None:
            errors.append(
                f"Ligne {row.line} : l'idée n° {data['idea']} est inconnue dans cette campagne."
            )
            continue
        if idea.pk in seen:
            errors.append(f"Ligne {row.line} : l'idée n° {idea.pk} figure deux fois.")
            continue
        seen.add(idea.pk)
        if idea.status not in (Status.VOTE, Status.LAUREATE, Status.DONE):
            errors.append(
                f"Ligne {row.line} : l'idée n° {idea.pk} n'est pas soumise au vote "
                f"(statut : {idea.get_status_display()})."
            )
            continue
        if data["laureate"] is not True and idea.status != Status.VOTE:
            errors.append(f"Ligne {row.line} : l'idée n° {idea.pk} est déjà lauréate.")
            continue
        rows.append((idea, data))
    if not rows and not errors:
        errors.append("Le fichier ne contient aucune ligne.")
    if errors:
        raise ValidationError(errors[:50])
    with transaction.atomic():
        for idea, data in rows:
            idea.votes = data.get("votes")
            save_with_history(idea, user, "Résultats du vote importés", update_fields=["votes"])
            if data["laureate"] is True and idea.status == Status.VOTE:
                change_status(idea, Status.LAUREATE, "Résultats du vote", user)
    return len(rows)


@transaction.atomic
def set_helpers(request: AttendanceRequest, organisations, user) -> AttendanceRequest:
    """« Qui peut aider ? » : the structures that can help the resident's project."""
    require(user, "participation.manage", request)
    request.helpers.set(organisations)
    save_with_history(request, user, "Qui peut aider ?")
    return request
